"""Symmetric InfoNCE: values by hand, soft targets for shared images, and the distributed
gather giving exactly the single-process full-batch gradient."""

from __future__ import annotations

import math
import os
import socket

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F

from polymodal.losses import contrastive_loss, gather_with_grad


def _by_hand(images: torch.Tensor, texts: torch.Tensor, scale: float) -> float:
    images, texts = F.normalize(images, dim=-1), F.normalize(texts, dim=-1)
    logits = scale * images @ texts.T
    size = len(images)
    image_side = -sum(math.log(torch.softmax(logits[i], 0)[i].item()) for i in range(size))
    text_side = -sum(math.log(torch.softmax(logits[:, i], 0)[i].item()) for i in range(size))
    return (image_side + text_side) / (2 * size)


def test_matches_the_definition() -> None:
    generator = torch.Generator().manual_seed(0)
    images, texts = torch.randn(5, 8, generator=generator), torch.randn(5, 8, generator=generator)
    loss = contrastive_loss(images, texts, 10.0)
    assert loss.item() == pytest.approx(_by_hand(images, texts, 10.0), rel=1e-5)


def test_perfect_alignment_gives_a_small_loss_and_swaps_a_large_one() -> None:
    basis = torch.eye(4)
    assert contrastive_loss(basis, basis, 100.0).item() < 1e-6
    assert contrastive_loss(basis, basis[[1, 0, 3, 2]], 100.0).item() > 50


def test_captions_of_one_image_are_not_negatives() -> None:
    # Rows 0 and 1 are two captions of image 7: their texts may be identical without penalty.
    images = torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    texts = images.clone()
    without_ids = contrastive_loss(images, texts, 50.0)
    with_ids = contrastive_loss(images, texts, 50.0, ids=torch.tensor([7, 7, 3]))
    # Without ids, rows 0 and 1 are confused (each half right): loss ≈ log 2 on 4 of 6 terms.
    assert without_ids.item() == pytest.approx(4 / 6 * math.log(2), abs=1e-3)
    # With ids, the target is the even split the model already predicts: only entropy remains,
    # the same value, but now it is the minimum (gradient 0).
    images.requires_grad_(True)
    contrastive_loss(images, texts, 50.0, ids=torch.tensor([7, 7, 3])).backward()
    assert images.grad is not None and images.grad.abs().max().item() < 1e-4
    assert with_ids.item() == pytest.approx(without_ids.item(), abs=1e-3)


def test_shape_mismatch_is_an_error() -> None:
    with pytest.raises(ValueError, match="one shape"):
        contrastive_loss(torch.randn(3, 4), torch.randn(2, 4), 1.0)


def test_gather_is_identity_without_distributed() -> None:
    tensor = torch.randn(3, 2)
    assert gather_with_grad(tensor) is tensor


def _worker(rank: int, world: int, port: int, queue: mp.SimpleQueue) -> None:  # type: ignore[type-arg]
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    generator = torch.Generator().manual_seed(0)
    images = torch.randn(8, 6, generator=generator)
    texts = torch.randn(8, 6, generator=generator)
    ids = torch.tensor([0, 0, 1, 2, 3, 4, 4, 5])
    local = slice(rank * 4, rank * 4 + 4)
    mine_images = images[local].clone().requires_grad_(True)
    mine_texts = texts[local].clone().requires_grad_(True)
    loss = contrastive_loss(mine_images, mine_texts, 5.0, ids=ids[local])
    loss.backward()
    # Plain lists, not tensors: a tensor sent through a torch queue is shared by file
    # descriptor, which fails when this process has exited before the parent reads it.
    queue.put((rank, loss.item(), mine_images.grad.tolist(), mine_texts.grad.tolist()))
    dist.destroy_process_group()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_two_processes_give_the_full_batch_gradient() -> None:
    generator = torch.Generator().manual_seed(0)
    images = torch.randn(8, 6, generator=generator).requires_grad_(True)
    texts = torch.randn(8, 6, generator=generator).requires_grad_(True)
    ids = torch.tensor([0, 0, 1, 2, 3, 4, 4, 5])
    full = contrastive_loss(images, texts, 5.0, ids=ids)
    full.backward()

    context = mp.get_context("spawn")
    queue = context.SimpleQueue()
    port = _free_port()
    processes = [context.Process(target=_worker, args=(r, 2, port, queue)) for r in range(2)]
    for process in processes:
        process.start()
    results = sorted(queue.get() for _ in processes)
    for process in processes:
        process.join(timeout=180)
        assert process.exitcode == 0
    # Each process computes the global-batch loss, and its own rows get their exact
    # global-batch gradients.
    for result in results:
        assert result[1] == pytest.approx(full.item(), rel=1e-5)
    image_grads = torch.tensor([row for r in results for row in r[2]])
    text_grads = torch.tensor([row for r in results for row in r[3]])
    assert images.grad is not None and texts.grad is not None
    torch.testing.assert_close(image_grads, images.grad, rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(text_grads, texts.grad, rtol=1e-4, atol=1e-6)
