"""Checks shared by fusion modules: that the encoded modalities match what was configured."""

from __future__ import annotations

from collections.abc import Mapping

from polymodal.encoders.output import EncoderOutput


def check_modalities(
    encoded: Mapping[str, EncoderOutput], expected: Mapping[str, int], fusion: str
) -> None:
    """Raises ValueError when ``encoded`` lacks a configured modality or has the wrong width."""
    missing = [name for name in expected if name not in encoded]
    if missing:
        raise ValueError(
            f"{fusion} was configured for modalities {list(expected)} "
            f"but got {list(encoded)}: missing {missing}"
        )
    for name, width in expected.items():
        if encoded[name].dim != width:
            raise ValueError(
                f"{fusion}: modality {name!r} has width {encoded[name].dim}, "
                f"input_dims says {width}"
            )
