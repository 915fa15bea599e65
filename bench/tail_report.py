"""Bench-only: where the slowest 1 % of a traced fixed-rate run went (BENCH_TRACE=DIR, bench/tail_trace.py).

    BENCH_TRACE=/tmp/t python bench/ack_vs_bolt.py --mix list --rounds 1 && python bench/tail_report.py /tmp/t
    BENCH_TRACE=/tmp/t python bench/ack_surfaces.py --surfaces opp-list,timeline ... && \
        python bench/tail_report.py /tmp/t --surfaces opp-list,timeline   # the slowest 1 % per surface, all rounds

For each contestant and phase: p50/p99, and for the slowest 1 % (and, beside them, all requests) the
mean of each part of a request's time, matched to the server's record of it (the request a worker
queued first at or after the client sent it): client lateness (sent - due), to the queue (sent ->
waitress queued it: the kernel and the worker's main thread), queued (-> a request thread starts it),
service (-> the response written), after (-> the client has it: for Home/Timeline the after-ack work
until the fake Slack's receipt), and how much of the request's time a garbage collection ran in its
worker, how many gen-2 collections, and how many requests its worker was serving at once."""

from __future__ import annotations

import argparse
import bisect
import statistics
import sys
from pathlib import Path


def load_server(directory: Path) -> dict[str, list[tuple]]:
    """pid -> events ("gc", gen, start, end, collected) | ("req", queued, started, answered, done)."""
    out: dict[str, list[tuple]] = {}
    for path in directory.glob("[0-9]*.tsv"):
        rows = []
        for line in path.read_text().splitlines():
            parts = line.split("\t")
            if parts[0] == "gc":
                rows.append(("gc", int(parts[1]), float(parts[2]), float(parts[3]), int(parts[4])))
            elif parts[0] == "req":
                rows.append(("req", *(float(p) for p in parts[1:5])))
        out[path.stem] = rows
    return out


def load_client(path: Path) -> list[tuple[int, float, float, float]]:
    rows = []
    for line in path.read_text().splitlines():
        index, due, sent, arrived = line.split("\t")
        rows.append((int(index), float(due), float(sent), float(arrived)))
    return rows


def assign(server: dict[str, list[tuple]], rows: list[tuple[int, float, float, float]]) -> dict[int, tuple[str, tuple]]:
    """Each answered client request (in the order sent) -> the earliest server request not yet taken
    that was queued at or after it was sent and answered before the client had it."""
    queue = sorted((e[1], pid, e) for pid, events in server.items() for e in events if e[0] == "req")
    starts = [q[0] for q in queue]
    taken: set[int] = set()
    out: dict[int, tuple[str, tuple]] = {}
    for index, _due, sent, arrived in sorted(rows, key=lambda r: r[2]):
        position = bisect.bisect_left(starts, sent - 0.0005)
        while position < len(queue) and queue[position][0] <= arrived:
            if position not in taken and queue[position][2][3] <= arrived + 0.0005:
                taken.add(position)
                out[index] = (queue[position][1], queue[position][2])
                break
            position += 1
    return out


def overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def parts(
    server: dict[str, list[tuple]], row: tuple[int, float, float, float], matched: dict[int, tuple[str, tuple]]
) -> dict[str, float] | None:
    index, due, sent, arrived = row
    found = matched.get(index)
    if found is None:
        return None
    pid, req = found
    _, queued, started, answered, _done = req
    gcs = [e for e in server[pid] if e[0] == "gc" and overlap(e[2], e[3], sent, arrived) > 0]
    others = [e for e in server[pid] if e[0] == "req" and e is not req and overlap(e[2], e[4], queued, answered) > 0]
    other_gc = sum(
        overlap(e[2], e[3], sent, arrived) for p, ev in server.items() if p != pid for e in ev if e[0] == "gc"
    )
    return {
        "total": arrived - due,
        "late": sent - due,
        "to_queue": queued - sent,
        "queued": started - queued,
        "service": answered - started,
        "after": arrived - answered,
        "gc_ms_same": sum(overlap(e[2], e[3], sent, arrived) for e in gcs),
        "gen2": float(sum(1 for e in gcs if e[1] == 2)),
        "gc_ms_other": other_gc,
        "concurrent": float(len(others)),
    }


def summarize(label: str, rows: list[dict[str, float]]) -> str:
    keys = ["total", "late", "to_queue", "queued", "service", "after", "gc_ms_same", "gc_ms_other"]
    cells = [f"{k}={statistics.mean(r[k] for r in rows) * 1000:.2f}" for k in keys]
    cells += [
        f"gen2={statistics.mean(r['gen2'] for r in rows):.2f}",
        f"concurrent={statistics.mean(r['concurrent'] for r in rows):.2f}",
    ]
    return f"  {label:<20} n={len(rows):<5} " + " ".join(cells)


def report(directory: Path) -> None:
    server = load_server(directory)
    gcs = [e for ev in server.values() for e in ev if e[0] == "gc"]
    by_gen = {g: [e[3] - e[2] for e in gcs if e[1] == g] for g in (0, 1, 2)}
    print(
        f"## {directory.name}: "
        + ", ".join(
            f"gen{g} {len(d)} collections, max {max(d, default=0) * 1000:.2f} ms, sum {sum(d) * 1000:.0f} ms"
            for g, d in by_gen.items()
        )
    )
    for path in sorted(directory.glob("client*.tsv")):
        rows = [r for r in load_client(path) if r[3] > 0]
        rows.sort(key=lambda r: r[3] - r[1])
        totals = [r[3] - r[1] for r in rows]
        cut = len(rows) - max(1, len(rows) // 100)
        p99 = totals[min(len(totals) - 1, int(len(totals) * 0.99))]
        print(f" {path.stem}: n={len(rows)} p50={totals[len(totals) // 2] * 1000:.2f} ms p99={p99 * 1000:.2f} ms")
        pairs = assign(server, rows)
        start, end = rows[0][1], max(r[3] for r in rows)
        in_phase = [e for ev in server.values() for e in ev if e[0] == "gc" and start <= e[2] <= end]
        print(
            f"  gc during the phase: {len(in_phase)}, gen2 {sum(1 for e in in_phase if e[1] == 2)}, "
            f"max {max((e[3] - e[2] for e in in_phase), default=0) * 1000:.2f} ms, "
            f"sum {sum(e[3] - e[2] for e in in_phase) * 1000:.1f} ms"
        )
        server_times = sorted(
            e[3] - e[1] for ev in server.values() for e in ev if e[0] == "req" and start <= e[1] <= end
        )
        if server_times:
            q99 = server_times[min(len(server_times) - 1, int(len(server_times) * 0.99))]
            print(
                f"  server-side (queued -> answered): p50={server_times[len(server_times) // 2] * 1000:.2f} "
                f"p99={q99 * 1000:.2f} ms"
            )
        matched = [p for p in (parts(server, r, pairs) for r in rows) if p is not None]
        slow = [p for p in (parts(server, r, pairs) for r in rows[cut:]) if p is not None]
        if matched:
            print(summarize("all", matched))
        if slow:
            print(summarize("slow1%", slow))


def by_surface(directory: Path, surfaces: list[str]) -> None:
    """The slowest 1 % of each phase, pooled per surface over the rounds (bench/ack_surfaces.py runs each
    contestant's phases in the order of --surfaces, round after round)."""
    server = load_server(directory)
    pooled: dict[str, list[dict[str, float]]] = {}
    for path in sorted(directory.glob("client*.tsv")):
        rows = sorted((r for r in load_client(path) if r[3] > 0), key=lambda r: r[3] - r[1])
        pairs = assign(server, rows)
        slow = [parts(server, r, pairs) for r in rows[len(rows) - max(1, len(rows) // 100) :]]
        surface = surfaces[int(path.stem.removeprefix("client")) % len(surfaces)]
        pooled.setdefault(surface, []).extend(p for p in slow if p is not None)
    for surface, rows in pooled.items():
        print(summarize(f"{directory.name} {surface}", rows))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", type=Path, help="the BENCH_TRACE directory of a run")
    parser.add_argument("--surfaces", default="", help="bench/ack_surfaces.py's --surfaces: pool the rounds")
    args = parser.parse_args()
    for directory in sorted(p for p in args.directory.iterdir() if p.is_dir()):
        if args.surfaces:
            by_surface(directory, args.surfaces.split(","))
        else:
            report(directory)
    return 0


if __name__ == "__main__":
    sys.exit(main())
