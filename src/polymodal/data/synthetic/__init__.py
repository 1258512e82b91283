"""Offline generators: CLEVR-style 2-D scenes with questions, captions and retrieval pairs.

Everything is a function of the seed: the same arguments give the same scenes, images,
questions and captions on any machine, with nothing downloaded.
"""
