"""Command line of the benchmarks: choose sections and sizes, run them, write the markdown.

    python -m benchmarks                        # all (10-15 min on a quiet 2-core machine)
    python -m benchmarks --only training,hardware --repetitions 3
    python -m benchmarks --quick                # tiny sizes, no notebooks: checks it still works
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import sys
import time
import traceback
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from . import hardware, machine, notebooks, sliders, training
from .report import Section, render, skipped

SECTIONS = ("training", "hardware", "sliders", "notebooks", "memory")
DEFAULT_OUTPUT = Path(__file__).resolve().parent / "results.md"


@dataclass
class Options:
    """What to run and at which size (the defaults are those of a full run)."""

    sections: tuple[str, ...] = SECTIONS
    repetitions: int = 5
    notebook_repetitions: int = 3
    n_examples: int = 10_000
    batch_sizes: tuple[int, ...] = training.BATCH_SIZES
    peak_n: int = 2048
    slider_points: int = 5
    threads: int | None = None  # limit numpy's BLAS (and torch) to this many threads
    quick: bool = False


def quick_options(sections: tuple[str, ...] | None = None) -> Options:
    """Tiny sizes: 256 examples (one batch of 256), 1 repetition, a small matmul, each slider
    moved to its minimum and back; notebooks and memory skipped unless named in ``sections``."""
    return Options(sections=sections or ("training", "hardware", "sliders"), repetitions=1,
                   notebook_repetitions=1, n_examples=256, peak_n=512, slider_points=1,
                   quick=True)


def _run_section(name: str, options: Options, done: dict[str, Section],
                 notebook_runs: dict) -> Section:
    if name == "training":
        return training.run(options.n_examples, options.batch_sizes, options.repetitions)
    if name == "hardware":
        return hardware.run(options.n_examples, options.repetitions, done.get("training"),
                            options.peak_n)
    if name == "sliders":
        return sliders.run(options.slider_points, options.repetitions)
    if name == "notebooks":
        paths = notebooks.notebook_paths()
        notebook_runs.update(notebooks.run_all(paths, options.notebook_repetitions))
        return notebooks.runtime_section(notebook_runs, options.notebook_repetitions)
    if name == "memory":
        return notebooks.memory_section(notebook_runs, options.notebook_repetitions)
    raise ValueError(f"unknown section {name!r}; allowed: {', '.join(SECTIONS)}")


def run(options: Options, log=print, command: str = "") -> tuple[str, list[Section]]:
    """Run the chosen sections in order; return (markdown report, sections).

    log: where progress lines go; command: the command line shown in the report's header.

    A section that crashes becomes a 'skipped' section with the error, so that one broken
    piece does not hide the measurements of the others.
    """
    with _blas_limit(options.threads):
        return _run(options, log, command)


def _blas_limit(threads: int | None):
    """A context that limits numpy's BLAS to ``threads`` threads (nothing when None)."""
    if threads is None:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        raise SystemExit("--threads needs threadpoolctl: pip install -e '.[bench]'") from None
    return threadpool_limits(limits=threads, user_api="blas")


def _run(options: Options, log, command: str) -> tuple[str, list[Section]]:
    done: dict[str, Section] = {}
    notebook_runs: dict = {}
    start = time.perf_counter()
    loads = [machine.load_average()]
    machine_lines = machine.describe()
    if options.threads is not None:
        machine_lines.append(f"BLAS limited to {options.threads} thread(s) for this run "
                             "(--threads, through threadpoolctl; notebook kernels not limited)")
    for name in SECTIONS:
        if name not in options.sections:
            continue
        log(f"[benchmarks] {name} ...", flush=True)
        section_start, cpu_start = time.perf_counter(), time.process_time()
        try:
            done[name] = _run_section(name, options, done, notebook_runs)
        except Exception as exc:  # noqa: BLE001 - report it and go on with the next section
            traceback.print_exc()
            done[name] = skipped(name, f"crashed: {type(exc).__name__}: {exc}")
        log(f"[benchmarks] {name} done in {time.perf_counter() - section_start:.1f} s "
            f"(CPU time of this process {time.process_time() - cpu_start:.1f} s)", flush=True)
    loads.append(machine.load_average())
    machine_lines.append(machine.load_line(loads[-1], "at the end"))
    warning = machine.busy_warning(*(None if load is None else load[0] for load in loads))
    not_run = [name for name in SECTIONS if name not in options.sections]
    header = (f"Run on {datetime.now().astimezone():%Y-%m-%d %H:%M %Z} in "
              f"{time.perf_counter() - start:.0f} s"
              f"{' (--quick: tiny sizes, not meaningful)' if options.quick else ''}."
              + (f" Command: `{command}`." if command else "")
              + (f" Sections not run: {', '.join(not_run)}." if not_run else "")
              + " Benchmarks never fail on speed; the targets are shown as yes/no."
              + (f"\n\n{warning}" if warning else ""))
    return render(machine_lines, list(done.values()), header), list(done.values())


def _section_list(text: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in names if name not in SECTIONS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"sections must be a comma-separated list of {', '.join(SECTIONS)}; got {text!r}")
    return names


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer; got {text!r}")
    return value


def parse_args(argv=None) -> tuple[Options, Path | None]:
    """Options and output path (None: print only) from the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Measure training speed, hardware efficiency, slider latency, notebook run "
                    "time and memory on this machine; print a markdown report and write it "
                    "to benchmarks/results.md.")
    parser.add_argument("--only", type=_section_list, metavar="SECTIONS",
                        help=f"comma-separated sections to run, from: {', '.join(SECTIONS)}")
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes (256 examples, 1 repetition, no notebooks unless named "
                             "in --only); writes no file unless --output is given")
    parser.add_argument("--repetitions", type=_positive_int,
                        help="repetitions of training, hardware and slider sweeps (default 5)")
    parser.add_argument("--notebook-repetitions", type=_positive_int,
                        help="fresh-kernel runs of each notebook (default 3)")
    parser.add_argument("--examples", type=_positive_int,
                        help="examples per training epoch (default 10000)")
    parser.add_argument("--threads", type=_positive_int,
                        help="limit numpy's BLAS and torch to this many threads (default: "
                             "as configured; needs threadpoolctl)")
    parser.add_argument("--output", metavar="PATH",
                        help=f"markdown file to write (default {DEFAULT_OUTPUT}; '-' for none)")
    args = parser.parse_args(argv)
    options = quick_options(args.only) if args.quick else Options(sections=args.only or SECTIONS)
    if args.repetitions:
        options.repetitions = args.repetitions
    if args.notebook_repetitions:
        options.notebook_repetitions = args.notebook_repetitions
    if args.examples:
        options.n_examples = args.examples
    options.threads = args.threads
    if args.output == "-" or (args.quick and args.output is None):
        output = None
    else:
        output = Path(args.output) if args.output else DEFAULT_OUTPUT
    return options, output


def main(argv=None) -> int:
    """Run the benchmarks from the command line; returns the exit status (0 unless misused)."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    argv = sys.argv[1:] if argv is None else list(argv)
    options, output = parse_args(argv)
    command = shlex.join(["python", "-m", "benchmarks", *argv])
    report, _ = run(options, log=lambda *a, **k: print(*a, file=sys.stderr, **k),
                    command=command)
    print(report)
    if output is not None:
        output.write_text(report, encoding="utf-8")
        print(f"[benchmarks] written to {output}", file=sys.stderr)
    return 0
