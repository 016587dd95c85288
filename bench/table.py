#!/usr/bin/env python3
"""Turn a benchmark run (bench/inner.sh's OUT_DIR) into one markdown table
with the SPEC §8 goal beside each figure.

  table.py OUT_DIR [--readme README.md]

With --readme, the table also replaces what stands between the
"<!-- bench:begin -->" and "<!-- bench:end -->" lines of that file.
"""
import datetime
import glob
import math
import os
import platform
import statistics
import sys

BREAKS = ["address", "route", "down", "veth", "netns", "forward", "matched-front", "matched-back"]
BREAK_TEXT = {
    "address": "address deleted",
    "route": "default route deleted",
    "down": "link set down",
    "veth": "veth pair deleted",
    "netns": "namespace deleted",
    "forward": "ip_forward set to 0",
    "matched-front": "address deleted, matched ns, lowest nsids",
    "matched-back": "address deleted, matched ns, highest nsids",
}
# breaks only sizes beyond 1000 have: the same heal at both ends of the
# host's nsids (position_rows), not in the CPU-by-size table
POSITION = ["matched-front", "matched-back"]


def records(out):
    recs = []
    with open(os.path.join(out, "records")) as f:
        for line in f:
            recs.append(dict(w.split("=", 1) for w in line.split() if "=" in w))
    return recs


def find(recs, **kw):
    return [r for r in recs if all(r.get(k) == str(v) for k, v in kw.items())]


def one(recs, **kw):
    r = find(recs, **kw)
    return r[-1] if r else None


def pct(xs, p):
    """Nearest rank."""
    if not xs:
        return None
    xs = sorted(xs)
    return xs[max(0, math.ceil(p / 100 * len(xs)) - 1)]


def sample_lines(out, who, n, brk):
    """bench-observer's lines (key=value words, one dict per sample), or
    None when that run left no file."""
    path = os.path.join(out, "heal-%s-%s-%s.txt" % (who, n, brk))
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return [dict(w.split("=", 1) for w in line.split() if "=" in w) for line in f]


def samples(out, who, n, brk):
    """(first, full, lost, late): first and full lists in µs, lost samples
    counted apart. late (bench-observer: late=1): of those, how many the
    observer woke late for: its socket was never empty between the break's
    event and the restoring one, so it read both already queued and the
    sample understates the heal. They stay in the percentiles (no figure is eased by
    leaving its fastest out); the count says how much of a figure is below
    what the observer can resolve."""
    first, full, lost, late = [], [], 0, 0
    lines = sample_lines(out, who, n, brk)
    if lines is None:
        return None
    for d in lines:
        a, b = float(d["first_us"]), float(d["full_us"])
        if a < 0 or b < 0:
            lost += 1
            continue
        late += d.get("late") == "1"
        first.append(a)
        full.append(b)
    return first, full, lost, late


def us(x):
    if x is None:
        return "n/a"
    return "%.0f" % x if x >= 100 else "%.1f" % x


def ms(x):
    return "n/a" if x is None else ("%.1f" % (x / 1000) if x < 100000 else "%.0f" % (x / 1000))


def machine(recs):
    m = one(recs, what="machine") or {}
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return m, "%s, %s CPUs, Linux %s, %s" % (model, m.get("nproc", os.cpu_count()),
                                             m.get("kernel", platform.release()),
                                             datetime.date.today().isoformat())


def sizes(recs):
    return sorted({int(r["n"]) for r in find(recs, what="heal")})


def heal_goal(brk, p50, p99, floor50, floor99):
    """SPEC §8; ip_forward: issue 12 ("within a few milliseconds")."""
    if p50 is None or p99 is None:
        return "n/a", False
    if brk in ["address", "route"] + POSITION:
        if floor50 is None:
            return "p50 ≤ 2 × floor p50, p99 ≤ 1000", False
        return "p50 ≤ %s, p99 ≤ 1000" % us(2 * floor50), p50 <= 2 * floor50 and p99 <= 1000
    if brk == "down":
        if floor50 is None or floor99 is None:
            return "p50 ≤ 2 × floor p50, p99 ≤ floor p99 + 500", False
        return "p50 ≤ %s, p99 ≤ %s" % (us(2 * floor50), us(floor99 + 500)), \
            p50 <= 2 * floor50 and p99 <= floor99 + 500
    if brk == "forward":
        return "p99 ≤ 5000 (a few ms)", p99 <= 5000
    if floor99 is None:
        return "p99 ≤ floor p99 + 1000", False
    return "p99 ≤ %s" % us(floor99 + 1000), p99 <= floor99 + 1000


def heal_rows(out, recs):
    rows = ["| break | ns | samples | p50 | p90 | p99 | max | +route p99 | floor p50 | floor p99 "
            "| woken floor p50 · p99 | p50 ÷ woken p50 | goal (SPEC §8) | met |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|:-:|"]
    for brk in BREAKS:
        for n in sizes(recs):
            s = samples(out, "netheal", n, brk)
            fl = samples(out, "floor", n, brk)
            first, full, lost, late = s if s else ([], [], 0, 0)
            ffirst = fl[0] if fl else []
            if brk == "netns":      # restored = its default route is back
                first, ffirst = full, fl[1] if fl else []
            p50, p99, f50, f99 = pct(first, 50), pct(first, 99), pct(ffirst, 50), pct(ffirst, 99)
            if not s and not fl:
                continue
            goal, ok = heal_goal(brk, p50, p99, f50, f99)
            gaps = ["%d lost" % lost] * bool(lost) + ["%d late" % late] * bool(late)
            cnt = "%d" % len(first) + (" (%s)" % ", ".join(gaps) if gaps else "")
            rec = one(recs, what="heal", n=n, who="netheal", **{"break": brk})
            if rec and rec.get("rc") != "0":
                cnt += " †"
            extra = us(pct(full, 99)) if brk in ("address", "down") else ""
            wk = samples(out, "floor-woken", n, brk)
            woken = "%s · %s" % (us(pct(wk[0], 50)), us(pct(wk[0], 99))) if wk and wk[0] else ""
            woken += " (%d late)" % wk[3] if wk and wk[0] and wk[3] else ""
            by_woken = ratio(p50, pct(wk[0], 50)) if wk and wk[0] else ""
            rows.append("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                BREAK_TEXT[brk], n, cnt if s else "n/a", us(p50), us(pct(first, 90)), us(p99),
                us(max(first) if first else None), extra, us(f50), us(f99), woken, by_woken, goal,
                "yes" if ok else "**no**"))
    return rows


def ratio(a, b):
    return "n/a" if a is None or b is None or b <= 0 else "%.2f" % (a / b)


def cold_rows(recs):
    """The median of each size's start-ups (bench/inner.sh repeats them: one
    start-up is a single sample); any that failed makes the figure n/a."""
    rows = ["| ns | ip script | floor | netheal apply | netheal run → READY | apply/floor | run/floor | script/floor | goal | met |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---|:-:|"]
    spread = []
    for n in sizes(recs):
        if n < 10:
            continue
        t = {}
        for who in ("script", "floor", "apply", "run"):
            rs = find(recs, what="cold", n=n, who=who)
            ok = rs and all(r.get("rc") == "0" and float(r["us"]) >= 0 for r in rs)
            us = sorted(float(r["us"]) for r in rs) if ok else []
            t[who] = statistics.median(us) if us else None
            if len(us) > 1:
                spread.append("%s at %d: %s" % (who, n, ", ".join(ms(x) for x in us)))
        ok = all(t[w] is not None for w in ("floor", "apply", "run")) and \
            t["apply"] <= 1.5 * t["floor"] and t["run"] <= 1.5 * t["floor"]
        rows.append("| %d | %s | %s | %s | %s | %s | %s | %s | ≤ 1.5 × floor | %s |" % (
            n, ms(t["script"]), ms(t["floor"]), ms(t["apply"]), ms(t["run"]), ratio(t["apply"], t["floor"]),
            ratio(t["run"], t["floor"]), ratio(t["script"], t["floor"]), "yes" if ok else "**no**"))
    if spread:
        rows += ["", "Each figure repeated is the median of its start-ups (floor, apply and run in turn, "
                 "each from an empty sandbox), every one in ms: " + "; ".join(spread) + "."]
    return rows


def memory_rows(recs):
    rows = ["| managed ns | RSS (KiB) |", "|---:|---:|"]
    rss = {}
    for r in find(recs, what="memory"):
        rss[int(r["n"])] = int(r["rss_kb"])
    for n in sorted(rss):
        rows.append("| %d | %d |" % (n, rss[n]))
    top = max(rss) if rss else 0
    if 0 in rss and top > 0:
        slope = (rss[top] - rss[0]) / top
        ok = rss[0] <= 4096 and slope <= 16
        rows.append("| slope (0 → %d) | %.1f KiB per namespace; goal ≤ 16 beyond a ≤ 4096 base: %s |" % (
            top, slope, "met" if ok else "**not met**"))
    return rows


def floor_cpu(out, who, n, brk):
    """The floor's mean CPU per restore (µs: bench-observer's floor_cpu_us
    over the samples it restored; who: floor or floor-woken), or None."""
    xs = [float(d["floor_cpu_us"]) for d in sample_lines(out, who, n, brk) or []
          if "floor_cpu_us" in d and float(d["first_us"]) >= 0]
    return sum(xs) / len(xs) if xs else None


def cpu_rows(out, recs):
    """netheal's CPU (user + system, all threads) per heal, by size; SPEC
    §8: the same at the smallest and the largest size, within 20 %. Beside
    it the floor's and the woken floor's: the CPU their requests took for
    the same restore, the kernel's work on their behalf included, so that
    what grows in the kernel for any healer shows as the floor's growth."""
    per = {}
    for r in find(recs, what="cpu"):
        heals = int(r["heals"])
        if heals:
            per[(r["break"], int(r["n"]))] = int(r["cpu_ns"]) / heals / 1000
    ns = sorted({n for _, n in per})
    if not ns:
        return ["CPU per heal: n/a"]
    sizes = " | ".join("%d ns" % n for n in ns)
    rows = ["| break | %s | ratio | floor %s | floor ratio | woken floor %s | woken ratio | goal | met |" % (
                sizes, sizes.replace(" | ", " | floor "), sizes.replace(" | ", " | woken floor ")),
            "|---|" + "---:|" * (3 * len(ns) + 3) + "---|:-:|"]
    for brk in BREAKS:
        vals = [per.get((brk, n)) for n in ns]
        if brk in POSITION or all(v is None for v in vals):
            continue
        floors = [floor_cpu(out, "floor", n, brk) for n in ns]
        woken = [floor_cpu(out, "floor-woken", n, brk) for n in ns]
        ok = vals[0] and vals[-1] and vals[-1] / vals[0] <= 1.2
        rows.append("| %s | %s | %s | %s | %s | %s | %s | ≤ 1.20 | %s |" % (
            BREAK_TEXT[brk], " | ".join(us(v) for v in vals), ratio(vals[-1], vals[0]),
            " | ".join(us(v) for v in floors), ratio(floors[-1], floors[0]),
            " | ".join(us(v) for v in woken), ratio(woken[-1], woken[0]),
            "yes" if ok else "**no**"))
    return rows


def position_rows(out, recs):
    """The same heal (a matched namespace's address) in the tenth of the
    matched namespaces with the lowest and with the highest nsids in the
    host, at each size that has them: what the kernel's walk of the host's
    nsids costs, per message copied to a listen-all socket, by position."""
    rows = ["| ns | nsids | p50 | p99 | netheal CPU/heal | floor CPU | woken floor p50 · p99 | woken floor CPU |",
            "|---:|---|---:|---:|---:|---:|---:|---:|"]
    for n in sizes(recs):
        for brk in POSITION:
            s = samples(out, "netheal", n, brk)
            if not s:
                continue
            r = one(recs, what="cpu", n=n, **{"break": brk})
            cpu = int(r["cpu_ns"]) / int(r["heals"]) / 1000 if r and int(r["heals"]) else None
            wk = samples(out, "floor-woken", n, brk)
            rows.append("| %d | %s | %s | %s | %s | %s | %s | %s |" % (
                n, brk.split("-")[1], us(pct(s[0], 50)), us(pct(s[0], 99)), us(cpu),
                us(floor_cpu(out, "floor", n, brk)),
                "%s · %s" % (us(pct(wk[0], 50)), us(pct(wk[0], 99))) if wk and wk[0] else "n/a",
                us(floor_cpu(out, "floor-woken", n, brk))))
    return rows if len(rows) > 2 else []


def fds_rows(recs):
    rows = ["| managed ns | descriptors |", "|---:|---:|"]
    for r in sorted(find(recs, what="fds"), key=lambda r: int(r["n"])):
        rows.append("| %s | %s |" % (r["n"], r["fds"]))
    return rows


def soak_rows(recs):
    """RSS through the heals at the largest size: at READY, after a minute
    of warm-up, at the end; flat = no more than 1 MiB after warm-up."""
    pts = find(recs, what="soak")
    if not pts:
        return ["soak: n/a"]
    n = int(pts[0]["n"])
    ready = one(recs, what="memory", n=n)
    warm = next((p for p in pts if int(p["t_s"]) >= 60), pts[0])
    end = pts[-1]
    growth = int(end["rss_kb"]) - int(warm["rss_kb"])
    limit = 4096 + 16 * n
    ok = growth <= 1024 and int(end["rss_kb"]) <= limit
    rows = ["| managed ns | heals | RSS at READY | after %s s | after %s s | growth after warm-up | descriptors (start → end) | goal | met |" % (
        warm["t_s"], end["t_s"]),
        "|---:|---:|---:|---:|---:|---:|---:|---|:-:|",
        "| %d | %s | %s KiB | %s KiB | %s KiB | %+d KiB | %s → %s | ≤ %d KiB, flat (≤ 1 MiB growth) | %s |" % (
            n, end["heals"], ready["rss_kb"] if ready else "n/a", warm["rss_kb"], end["rss_kb"], growth,
            pts[0]["fds"], end["fds"], limit, "yes" if ok else "**no**")]
    rows += ["", "RSS every %s s (KiB): %s" % (
        int(pts[1]["t_s"]) - int(pts[0]["t_s"]) if len(pts) > 1 else 0,
        " ".join(p["rss_kb"] for p in pts))]
    return rows


def idle_rows(recs):
    r = one(recs, what="idle")
    if not r:
        return ["idle: n/a"]
    secs = int(r["seconds"])
    cpu = int(r["cpu_ticks"]) / int(r["hz"])
    w = int(r["wakeups"])
    quiet = "after %s s without one (waited %s s)" % (r.get("quiet_s", "?"), r.get("waited_s", "?"))
    return ["| managed ns | window | wake-ups | CPU | goal | met |", "|---:|---:|---:|---:|---|:-:|",
            "| %s | %d s, %s | %d | %.2f s | 0 wake-ups a minute | %s |" % (
                r["n"], secs, quiet, w, cpu, "yes" if w == 0 else "**no**")]


def storm_rows(recs):
    rows = ["| where | changes | ip -batch took | netheal CPU | overruns | end state exact | detail |",
            "|---|---:|---:|---:|---:|:-:|---|"]
    for r in find(recs, what="storm"):
        cpu = int(r["cpu_ticks"]) / int(r["hz"])
        rows.append("| %s namespace | %s | %.1f s | %.2f s | %s | %s | plan exit %s, fx0 %s addresses, fz0 up %s |" % (
            r["where"], r["events"], int(r["storm_us"]) / 1e6, cpu, r["overruns"], r["exact"],
            r.get("plan_rc", "?"), r.get("fx0_addrs", "?"), r.get("fz0_up", "?")))
    return rows


def header(recs, out):
    m, mach = machine(recs)
    n = sizes(recs)
    counts = []
    for size in n:
        by_break = {}
        for brk in BREAKS:
            f = samples(out, "netheal", size, brk) or samples(out, "floor", size, brk)
            if f:
                by_break[brk] = len(f[0]) + f[2]
        values = sorted(set(by_break.values()), reverse=True)
        if len(values) <= 1:
            counts.append("%d at %d" % (values[0] if values else 0, size))
        else:   # a scale run's p99 breaks at 10,000 (bench/inner.sh P99_SAMPLES)
            counts.append("at %d, %s" % (size, " and ".join(
                "%d (%s)" % (v, "; ".join(BREAK_TEXT[b] for b in BREAKS if by_break.get(b) == v))
                for v in values)))
    mode = {"quick": " --quick", "scale": " --scale"}.get(m.get("mode"), "")
    return ["Machine: %s. Run: `bash bench/run.sh%s`, inside a private network + mount namespace." % (
            mach, mode),
            "Heal-latency samples per break, by namespaces: %s (random namespace each, 20 ms apart; "
            "flap damping off: flap_count = 1000000%s). Times in µs unless marked." % (
                ", ".join(counts),
                "; the namespaces' IPv6 router solicitations stopped before each heal phase, "
                "netheal's and the floors'" if find(recs, what="rs_off") else "")]


def table(out):
    recs = records(out)
    parts = header(recs, out)
    parts += ["", "**Heal latency** (µs, from the break's own event to the restoring event, both as read by "
              "the observer's own netlink socket (namespace deleted: from the unlink); veth and netns: "
              "until the default route is back; +route: until the route the break flushed is back too; "
              "floor: the same rebuild by the floor's requests alone, measured the same way; "
              "woken floor: the floor's requests from a thread that sleeps until it reads the break's "
              "event on one socket for every namespace (NETLINK_LISTEN_ALL_NSID in the host), as an "
              "event-driven healer of many namespaces must, asleep 20 ms before the break as netheal is)", ""]
    parts += heal_rows(out, recs)
    parts += ["", "lost: not restored within 5 s, or not whole 5 s before the break (left out). late (netheal's in the "
              "samples column, the woken floor's beside its p50 · p99): the observer woke late, its socket never "
              "empty between the break's event and the restoring one, so the sample understates the heal; kept, "
              "so a figure with many is below what the observer can resolve (the floor's restore waits until the "
              "observer has read the break's event: never late). "
              "†: the observer gave up "
              "after 5 failures in a row or skipped samples."]
    parts += ["", "**Cold convergence** (ms, wall time from an empty sandbox)", ""] + cold_rows(recs)
    parts += ["", "**Memory** (`netheal run` VmRSS after READY=1)", ""] + memory_rows(recs)
    parts += ["", "**Memory under heals** (heals without a pause at the largest size: address, route and "
              "link-down breaks in turn, 5 ms apart)", ""] + soak_rows(recs)
    parts += ["", "**CPU per heal** (µs of netheal's user + system time, every thread, over each break's "
              "samples, divided by the heals: status writes, reading events and all; floor: the CPU time of the "
              "floor's requests alone for the same restore (no reading of the break, no check after), the "
              "kernel's work on their behalf included, mean over its samples; woken floor: the same with its "
              "listen-all socket in the host, whose kernel walk of the host's nsids for each message its "
              "requests pay, as netheal's do)",
              ""] + cpu_rows(out, recs)
    pos = position_rows(out, recs)
    if pos:
        parts += ["", "**By nsid position** (the same heal, a matched namespace's address on lo, in the tenth "
                  "of the matched namespaces with the lowest and with the highest nsids in the host: the kernel "
                  "walks the host's nsids in id order, twice, for each message it copies to a listen-all "
                  "socket; µs)", ""] + pos
    parts += ["", "**Descriptors** (`netheal run` after READY=1: one per namespace, since a21d5c4 one more "
              "for each namespace's kept /proc/sys/net/ipv4 (its settings are opened below it), the event "
              "socket, a request socket for each namespace while they fit in half the limit (at most 128 "
              "before 2026-12-06) and since 653a5ba the one-run lock)", ""] + fds_rows(recs)
    if one(recs, what="idle"):
        parts += ["", "**Idle** (context switches of every thread; resync and watchdog off; the window starts once "
                  "the kernel's own after-effects of the heals, IPv6 DAD and bridge port timers, are over)", ""] + idle_rows(recs)
    if find(recs, what="storm"):
        parts += ["", "**Event storm** (foreign links: netheal must not touch them)", ""] + storm_rows(recs)
    return "\n".join(parts) + "\n"


def update_readme(path, text, scale):
    """Between bench:begin/bench:end (a full run) or
    bench-scale:begin/bench-scale:end (a --scale run)."""
    tag = "bench-scale" if scale else "bench"
    with open(path) as f:
        lines = f.read().split("\n")
    try:
        a, b = lines.index("<!-- %s:begin -->" % tag), lines.index("<!-- %s:end -->" % tag)
    except ValueError:
        sys.exit("table.py: %s has no %s:begin/%s:end markers" % (path, tag, tag))
    lines[a + 1:b] = [""] + text.rstrip("\n").split("\n") + [""]
    with open(path, "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    if len(sys.argv) not in (2, 4) or (len(sys.argv) == 4 and sys.argv[2] != "--readme"):
        sys.exit("usage: table.py OUT_DIR [--readme README.md]")
    text = table(sys.argv[1])
    if len(sys.argv) == 4:
        m = one(records(sys.argv[1]), what="machine") or {}
        update_readme(sys.argv[3], text, m.get("mode") == "scale")
    sys.stdout.write(text)
