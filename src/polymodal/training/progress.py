"""Training progress: a live bar on a terminal, periodic lines elsewhere (logs, CI)."""

from __future__ import annotations

import sys
import time

from tqdm import tqdm


def format_seconds(seconds: float) -> str:
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s"


class Progress:
    """Shows step, loss, throughput and ETA.

    Args:
        total: steps in the whole run.
        initial: steps already done (when resuming).
        every: on a non-terminal, print one line every this many steps.
    """

    def __init__(self, total: int, initial: int = 0, every: int = 50) -> None:
        self.total = total
        self.initial = initial
        self.every = max(1, every)
        self.started = time.perf_counter()
        self.bar = tqdm(
            total=total,
            initial=initial,
            unit="step",
            dynamic_ncols=True,
            disable=not sys.stderr.isatty(),
            leave=False,
        )

    def update(self, step: int, epoch: int, loss: float, lr: float, samples_per_s: float) -> None:
        self.bar.set_postfix(
            epoch=epoch,
            loss=f"{loss:.4f}",
            lr=f"{lr:.2e}",
            samples_s=f"{samples_per_s:.0f}",
            refresh=False,
        )
        self.bar.update(step - self.bar.n)
        if self.bar.disable and (step % self.every == 0 or step == self.total):
            elapsed = time.perf_counter() - self.started
            done = step - self.initial
            eta = elapsed / done * (self.total - step) if done else 0.0
            print(
                f"step {step}/{self.total}  epoch {epoch}  loss {loss:.4f}  lr {lr:.2e}  "
                f"{samples_per_s:.0f} samples/s  ETA {format_seconds(eta)}",
                flush=True,
            )

    def write(self, message: str) -> None:
        """Prints a message without breaking the bar."""
        if self.bar.disable:
            print(message, flush=True)
        else:
            self.bar.write(message)

    def close(self) -> None:
        self.bar.close()
