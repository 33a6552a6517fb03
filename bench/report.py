# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The benchmark's arithmetic and its report, apart from the lab (bench/run.py measures, this file reads).

Parsing of what a run prints (the PLAY RECAP, ansible.posix.profile_tasks' list), the time waiting for reboots
(a union of intervals), the CPU figures (/proc/stat, cgroup usage, rusage), the targets with "holds" or "does not
hold" and the measured reason, the chart's geometry, and results.md and chart.svg from bench/templates. Everything
here works on plain data, so tests/packaging/test_bench.py checks it on synthetic results.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import math
import os
import re

import jinja2

HERE = os.path.dirname(os.path.abspath(__file__))
PROFILES = ('fast', 'realistic')
KINDS = (('baseline', 'by hand'), ('first', 'site.yml first converge'), ('rerun', 'site.yml re-run'))
# A run counts as CPU-bound when its CPU time alone (the machine's busy time over its CPUs) fills this share of its
# time outside reboot waits: the rest is then the latency of handing work between processes, not idle waiting.
CPU_BOUND = 0.75

HOLDS, FAILS, UNMEASURED = 'holds', 'does not hold', 'not measured'


# ------------------------------------------------------------------------------ what a run prints
def recap(output):
    """{host: {ok, changed, unreachable, failed, skipped, rescued, ignored}} from the PLAY RECAP."""
    hosts = {}
    for host, counts in re.findall(r'^(\S+)\s+:\s+(ok=.*)$', output, re.M):
        hosts[host] = dict((k, int(v)) for k, v in re.findall(r'(\w+)=(\d+)', counts))
    return hosts


# A line of profile_tasks' list: the task name, a blank, dashes (none when the name fills the line), a blank, seconds.
PROFILE_LINE = re.compile(r'^(.+?) -* ?(\d+\.\d\d)s$')


def profile_tasks(output):
    """Every task of ansible.posix.profile_tasks' list (output_limit all) as [[task, seconds]], in its order.

    Only the lines after the last "TASKS RECAP" banner are read: the timestamps the callback prints at each task
    start do not match, nor does a task's own output before the recap."""
    marker = output.rfind('TASKS RECAP')
    if marker < 0:
        return []
    tasks = []
    for line in output[marker:].splitlines()[1:]:
        match = PROFILE_LINE.match(line.rstrip())
        if match and not line.startswith('='):
            tasks.append([match.group(1).strip(), float(match.group(2))])
    return tasks


def slowest(tasks, limit=12):
    """The limit slowest of [[task, seconds]], slowest first (ties keep their order)."""
    return sorted(tasks, key=lambda t: -t[1])[:limit]


def where_time_goes(tasks, limit=3):
    """'a 4.9 s, b 3.0 s, c 2.3 s': the slowest tasks of a run, for a reason sentence."""
    top = slowest(tasks, limit)
    return ', '.join('%s %.1f s' % (short_task(name), sec) for name, sec in top) or 'no task list'


def short_task(name):
    """A task name without the collection prefix of its role: 'tools : Install ...'."""
    return re.sub(r'^homelab\.connectx\.', '', name)


# ------------------------------------------------------------------------------ time
def union_seconds(intervals):
    """Seconds covered by any of [(start, end)] (overlaps counted once): the wall time spent waiting for reboots
    when they may overlap (connectx_reboot_parallel > 1); serial reboots simply add up."""
    total, reach = 0.0, None
    for start, end in sorted((float(a), float(b)) for a, b in intervals if b is not None and a is not None):
        if end <= start:
            continue
        if reach is None or start >= reach:
            total += end - start
            reach = end
        elif end > reach:
            total += end - reach
            reach = end
    return round(total, 3)


def reboot_intervals(per_host):
    """[(start, end)] of the reboot tasks that ran, from connectx_counts' per-host reboot_waits."""
    return [(w['start'], w['end']) for counts in per_host.values() for w in counts.get('reboot_waits') or []]


def split_wait(seconds, intervals):
    """(reboot wait, rest) of a run of `seconds` wall time: the union of the reboot intervals, and what is left."""
    wait = min(union_seconds(intervals), seconds)
    return round(wait, 1), round(seconds - wait, 1)


# ------------------------------------------------------------------------------ CPU
def proc_stat_busy(text):
    """(busy ticks, all ticks) of the machine from /proc/stat's first line: busy is user + nice + system + irq +
    softirq + steal (guest time is inside user already); all adds idle and iowait."""
    for line in text.splitlines():
        fields = line.split()
        if fields and fields[0] == 'cpu':
            values = [int(v) for v in fields[1:]] + [0] * 8
            user, nice, system, idle, iowait, irq, softirq, steal = values[:8]
            busy = user + nice + system + irq + softirq + steal
            return busy, busy + idle + iowait
    raise ValueError('no cpu line in /proc/stat')


def stat_cpu_ticks(text):
    """utime + stime (clock ticks) of one process from its /proc/<pid>/stat (the name may hold blanks and ')')."""
    fields = text.rsplit(')', 1)[1].split()
    return int(fields[11]) + int(fields[12])


def cgroup_usage_source(proc_cgroup, root='/sys/fs/cgroup'):
    """Where the cumulative CPU time of a container's cgroup parent is read, from the container's /proc/<pid>/cgroup.

    The container's own cgroup starts again at 0 when the host reboots (podman makes it anew), its parent (the
    containers' slice: libpod_parent with cgroupfs, machine.slice with systemd) keeps counting, its dead children
    included. Returns {'usage': file, 'unit': 'ns' | 'usec', 'monitor': file of podman's conmon cgroup or None,
    'parent': the parent's path}, or None when no usable cgroup is found (the bench then reports no host CPU).
    cgroup v1 (a cpuacct hierarchy) first: on a hybrid machine the processes all sit at / of the unified one."""
    v1, v2 = None, None
    for line in proc_cgroup.splitlines():
        parts = line.strip().split(':', 2)
        if len(parts) != 3:
            continue
        if 'cpuacct' in parts[1].split(','):
            v1 = (parts[1], parts[2])
        elif parts[0] == '0' and parts[1] == '':
            v2 = parts[2]

    def parent_of(path):
        path = path.rstrip('/')
        # podman's split of a systemd-mode container: <scope>/container; the scope's parent is the slice.
        if os.path.basename(path) == 'container':
            path = os.path.dirname(path)
        return os.path.dirname(path)

    if v1 is not None:
        controllers, path = v1
        for mount in (os.path.join(root, controllers), os.path.join(root, 'cpuacct'), os.path.join(root, 'cpu,cpuacct')):
            parent = parent_of(path)
            usage = os.path.join(mount, parent.lstrip('/'), 'cpuacct.usage')
            if parent not in ('', '/') and os.path.isfile(usage):
                monitor = os.path.join(mount, parent.lstrip('/'), 'conmon', 'cpuacct.usage')
                return {'usage': usage, 'unit': 'ns', 'monitor': monitor if os.path.isfile(monitor) else None, 'parent': parent}
    if v2 is not None:
        for mount in (root, os.path.join(root, 'unified')):
            if not os.path.isfile(os.path.join(mount, 'cgroup.controllers')):
                continue
            parent = parent_of(v2)
            usage = os.path.join(mount, parent.lstrip('/'), 'cpu.stat')
            if parent not in ('', '/') and os.path.isfile(usage):
                monitor = os.path.join(mount, parent.lstrip('/'), 'conmon', 'cpu.stat')
                return {'usage': usage, 'unit': 'usec', 'monitor': monitor if os.path.isfile(monitor) else None, 'parent': parent}
    return None


def cgroup_seconds(text, unit):
    """CPU seconds from a cgroup usage file: cpuacct.usage (ns) or cpu.stat's usage_usec."""
    if unit == 'ns':
        return int(text.strip()) / 1e9
    for line in text.splitlines():
        key, _sep, value = line.partition(' ')
        if key == 'usage_usec':
            return int(value) / 1e6
    raise ValueError('no usage_usec in cpu.stat')


def cpu_delta(before, after, wall, cpus):
    """The CPU figures of one run from two snapshots {controller, masters, hosts, monitor, busy} (seconds; hosts,
    monitor and busy may be None when they could not be read): controller = its waited processes plus the SSH
    connection masters it left, hosts = the lab's containers, monitor = podman's conmon, machine = all CPUs busy,
    busy share = machine / (wall x CPUs)."""
    def diff(key):
        if before.get(key) is None or after.get(key) is None:
            return None
        return round(after[key] - before[key], 2)

    out = {'controller_s': round((diff('controller') or 0.0) + (after.get('masters') or 0.0), 2),
           'hosts_s': diff('hosts'), 'monitor_s': diff('monitor'), 'machine_s': diff('busy'), 'cpus': cpus}
    if out['hosts_s'] is not None and out['monitor_s'] is not None:
        out['hosts_s'] = round(out['hosts_s'] - out['monitor_s'], 2)
    out['busy_share'] = round(out['machine_s'] / (wall * cpus), 2) if out['machine_s'] is not None and wall and cpus else None
    return out


# ------------------------------------------------------------------------------ targets
def ratio(a, b):
    return round(a / b, 2) if a is not None and b else None


def find(runs, profile, hosts):
    for run in runs:
        if run['profile'] == profile and run['hosts'] == hosts:
            return run
    return None


def target(name, status, measured, reason=''):
    return {'name': name, 'status': status, 'measured': measured, 'reason': reason}


def combine(checks):
    """The status of a target over its points [(ok or None when not measured)]: one failure makes it fail."""
    if any(ok is False for ok in checks):
        return FAILS
    if not checks or any(ok is None for ok in checks):
        return UNMEASURED
    return HOLDS


def cpu_sentence(run, label):
    """'N = 8: controller 40 s + hosts 46 s CPU, the machine busy 89 s: at least 44 s of 2 CPUs, 103 % of the 43 s
    outside reboot waits (CPU-bound)'. The floor is the machine's busy CPU time over its CPUs: the run cannot be shorter
    than that, however well its work overlaps; compared with the run's time outside reboot waits."""
    cpu = run.get('cpu') or {}
    hosts = '%.0f s' % cpu['hosts_s'] if cpu.get('hosts_s') is not None else 'n/a'
    wall = run.get('rest_s') or run['seconds']
    head = '%s: controller %.0f s + hosts %s CPU' % (label, cpu.get('controller_s') or 0.0, hosts)
    if cpu.get('machine_s') is None or not cpu.get('cpus') or not wall:
        return '%s in %.0f s (machine CPU n/a)' % (head, wall)
    floor = cpu['machine_s'] / cpu['cpus']
    share = floor / wall
    verdict = 'CPU-bound' if share >= CPU_BOUND else 'not CPU-bound: the rest is waiting'
    return '%s, the machine busy %.0f s: at least %.0f s of %d CPUs, %d %% of the %.0f s outside reboot waits (%s)' % (
        head, cpu['machine_s'], floor, cpu['cpus'], round(share * 100), wall, verdict)


def targets(results):
    """The issue's targets over the measured runs: [{name, status, measured, reason}], status holds / does not hold /
    not measured; reason says why when it does not hold (from the data), or what is missing."""
    runs = results['runs']
    out = []

    # realistic: first converge <= 1.15 x by hand, N = 1 and 8.
    checks, measured, reasons = [], [], []
    for n in (1, 8):
        run = find(runs, 'realistic', n)
        if run is None:
            checks.append(None)
            reasons.append('N = %d not measured' % n)
            continue
        first, base = run['first'], run['baseline']
        r = ratio(first['seconds'], base['seconds'])
        checks.append(r <= 1.15)
        measured.append('N = %d: %.2f x (%.1f s vs %.1f s)' % (n, r, first['seconds'], base['seconds']))
        if r > 1.15:
            reasons.append('N = %d: %.2f x > 1.15 x: reboot waits %.1f s vs %.1f s by hand, the rest %.1f s vs %.1f s; '
                           'slowest tasks: %s' % (n, r, first['reboot_wait_s'], base['reboot_wait_s'], first['rest_s'],
                                                  base['rest_s'], where_time_goes(first.get('profile_tasks') or [])))
    out.append(target('realistic profile: site.yml first converge <= 1.15 x by hand, N = 1 and 8', combine(checks),
                      '; '.join(measured) or '-', '; '.join(reasons) if combine(checks) != HOLDS else ''))

    # fast, N = 1 over SSH: re-run <= 8 s; first converge <= 3 x by hand.
    run = find(runs, 'fast', 1)
    if run is None:
        out.append(target('fast profile, N = 1 over SSH: no-change re-run <= 8 s', UNMEASURED, '-', 'fast N = 1 not measured'))
        out.append(target('fast profile, N = 1 over SSH: first converge <= 3 x by hand', UNMEASURED, '-', 'fast N = 1 not measured'))
    else:
        rerun, first, base = run['rerun'], run['first'], run['baseline']
        ok = rerun['seconds'] <= 8
        out.append(target('fast profile, N = 1 over SSH: no-change re-run <= 8 s', HOLDS if ok else FAILS,
                          '%.1f s' % rerun['seconds'],
                          '' if ok else '%.1f s > 8 s; where the time goes: %s' % (
                              rerun['seconds'], where_time_goes(rerun.get('profile_tasks') or []))))
        r = ratio(first['seconds'], base['seconds'])
        ok = r is not None and r <= 3
        phases = base.get('phases') or []
        out.append(target('fast profile, N = 1 over SSH: first converge <= 3 x by hand', HOLDS if ok else FAILS,
                          '%s x (%.1f s vs %.1f s)' % (r, first['seconds'], base['seconds']),
                          '' if ok else '%s x > 3 x: by hand is %s; site.yml\'s slowest tasks: %s' % (
                              r, ', '.join('%s %.1f s' % (k, v) for k, v in phases) or '%.1f s' % base['seconds'],
                              where_time_goes(first.get('profile_tasks') or []))))

    # One reboot per crossflashed node; none on the re-run.
    site_runs = [(r, c) for r in list(runs) + list(results.get('podman') or []) for c in ('first', 'rerun')]
    bad, nodes = [], 0
    for run, kind in site_runs:
        for host, counts in sorted(run[kind]['per_host'].items()):
            writes = (run[kind].get('cards') or {}).get(host, {}).get('flash_writes', 0)
            if kind == 'first' and not writes:
                continue  # not crossflashed in this run: a port setting change alone may reboot it too
            nodes += kind == 'first'
            want = 1 if kind == 'first' else 0
            if counts['reboots'] != want:
                bad.append('%s N = %d %s %s %s: %d reboots' % (run['profile'], run['hosts'], run.get('connection', 'ssh'),
                                                               kind, host, counts['reboots']))
    out.append(target('1 reboot per crossflashed node (first converge), none on the re-run',
                      UNMEASURED if not site_runs else (FAILS if bad else HOLDS),
                      '%d crossflashed nodes in %d first converges' % (nodes, len(site_runs) // 2) if site_runs else '-',
                      '; '.join(bad)))

    # The re-run: 0 changed, 0 flash writes, <= 3 tool calls per card.
    reruns = list(runs) + list(results.get('podman') or [])
    for name, key, limit, unit in (('re-run: 0 changed', 'changed', 0, 'changed'),
                                   ('re-run: 0 flash writes', 'flash_writes', 0, 'flash writes'),
                                   ('re-run: <= 3 tool calls per card', 'tool_calls_per_card_max', 3, 'tool calls per card')):
        over = ['%s N = %d %s: %s %s' % (r['profile'], r['hosts'], r.get('connection', 'ssh'), r['rerun'][key], unit)
                for r in reruns if r['rerun'][key] > limit]
        worst = max(r['rerun'][key] for r in reruns) if reruns else None
        out.append(target(name, UNMEASURED if not reruns else (FAILS if over else HOLDS),
                          'at most %s in %d re-runs' % (worst, len(reruns)) if reruns else '-', '; '.join(over)))

    out.append(scaling_target(runs))

    # The counts per host (issue "modules decide, roles sequence").
    for name, kind, limits in (
            ('first converge: <= 90 task starts, <= 12 module calls on the host, 1 reboot per host', 'first',
             (('task_starts', 90), ('module_calls', 12))),
            ('re-run: <= 60 task starts, <= 6 module calls on the host per host', 'rerun',
             (('task_starts', 60), ('module_calls', 6)))):
        over, top = [], {}
        for run in runs:
            for host, counts in sorted(run[kind]['per_host'].items()):
                for key, limit in limits:
                    top[key] = max(top.get(key, 0), counts[key])
                    if counts[key] > limit:
                        over.append('%s N = %d %s: %d %s' % (run['profile'], run['hosts'], host, counts[key], key.replace('_', ' ')))
                if kind == 'first' and counts['reboots'] != 1:
                    over.append('%s N = %d %s: %d reboots' % (run['profile'], run['hosts'], host, counts['reboots']))
        out.append(target(name, UNMEASURED if not runs else (FAILS if over else HOLDS),
                          ', '.join('at most %d %s' % (top[k], k.replace('_', ' ')) for k, _l in limits) if runs else '-',
                          '; '.join(over)))

    profiles = sorted(set(r['profile'] for r in runs))
    missing = [p for p in PROFILES if p not in profiles]
    out.append(target('chart.svg shows both profiles', UNMEASURED if missing else HOLDS, ', '.join(profiles) or '-',
                      ('%s not measured in this run' % ' and '.join(missing)) if missing else ''))

    hosts = sorted(set(r['hosts'] for r in runs))
    minutes = (results.get('bench_seconds') or 0) / 60.0
    complete = hosts == [1, 2] and not missing and bool(results.get('podman'))
    out.append(target('BENCH_HOSTS="1 2" (both profiles, podman exec included) < 15 min on %s CPUs'
                      % results.get('machine', {}).get('cpus', '?'),
                      (HOLDS if minutes < 15 else FAILS) if complete else UNMEASURED, '%.1f min' % minutes,
                      ('%.1f min > 15 min' % minutes if minutes >= 15 else '') if complete else
                      'this run: N = %s, profiles %s' % (' '.join(str(h) for h in hosts), ' '.join(profiles))))
    return out


def scaling_target(runs):
    """fast, N = 8 vs N = 1 without the reboot waits: <= 2 x, for the first converge (its rest) and the re-run; when it
    does not hold, where the time goes from the measured CPU time of the controller and the hosts."""
    name = 'N = 8 vs N = 1 (fast, excluding reboot waits): <= 2 x, first converge and re-run'
    fast = sorted((r for r in runs if r['profile'] == 'fast'), key=lambda r: r['hosts'])
    if len(fast) < 2:
        return target(name, UNMEASURED, '-', 'fewer than two N measured with the fast profile')
    small, large = fast[0], fast[-1]
    first = ratio(large['first']['rest_s'], small['first']['rest_s'])
    rerun = ratio(large['rerun']['rest_s'], small['rerun']['rest_s'])
    measured = 'N = %d vs N = %d: first converge %s x (%.1f s vs %.1f s), re-run %s x (%.1f s vs %.1f s)' % (
        large['hosts'], small['hosts'], first, large['first']['rest_s'], small['first']['rest_s'],
        rerun, large['rerun']['rest_s'], small['rerun']['rest_s'])
    if first is None or rerun is None:
        return target(name, UNMEASURED, measured, 'a run of N = %d took no time apart from its reboots' % small['hosts'])
    ok = first <= 2 and rerun <= 2
    if small['hosts'] != 1 or large['hosts'] != 8:
        return target(name, UNMEASURED, measured, 'N = 1 and N = 8 not both measured (%s: %s)' % (
            'would hold' if ok else 'would not hold', 'N = %d and %d' % (small['hosts'], large['hosts'])))
    if ok:
        return target(name, HOLDS, measured)
    reasons = []
    for kind, label, r in (('first', 'first converge', first), ('rerun', 're-run', rerun)):
        if r > 2:
            reasons.append('%s %s x > 2 x: %s; %s' % (
                label, r, cpu_sentence(large[kind], 'N = %d' % large['hosts']),
                cpu_sentence(small[kind], 'N = %d' % small['hosts'])))
    return target(name, FAILS, measured, '. '.join(reasons))


def summarize(results):
    """Ratios per run (first / by hand, rest / rest, re-run / first) into each run, and the targets."""
    for run in results['runs']:
        run['first_over_baseline'] = ratio(run['first']['seconds'], run['baseline']['seconds'])
        run['rest_over_baseline_rest'] = ratio(run['first']['rest_s'], run['baseline']['rest_s'])
        run['rerun_over_first'] = ratio(run['rerun']['seconds'], run['first']['seconds'])
    for run in results.get('podman') or []:
        ssh = find(results['runs'], run['profile'], run['hosts'])
        run['first_over_ssh'] = ratio(run['first']['seconds'], ssh['first']['seconds']) if ssh else None
        run['rerun_over_ssh'] = ratio(run['rerun']['seconds'], ssh['rerun']['seconds']) if ssh else None
    results['targets'] = targets(results)
    return results


# ------------------------------------------------------------------------------ chart
def nice_ceiling(value):
    """The smallest of 1, 2, 2.5, 5 x 10^k at or above value (an axis top), 1 for nothing."""
    if not value or value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value - 1e-9:
            return step * power
    return 10 * power


def chart_model(results, width=960, height=420):
    """The chart's geometry: one panel per profile (time vs N, a bar per column, the reboot wait stacked on top of
    the rest), its own y scale each; text positions are worked out here so that nothing overlaps."""
    runs = results['runs']
    panels = []
    left, right, gap, top, bottom = 64, 16, 70, 62, 100
    pw = (width - left - right - gap) / 2.0
    ph = height - top - bottom
    colours = {'baseline': '#7f7f7f', 'first': '#1f77b4', 'rerun': '#2ca02c'}
    timing = results.get('timing') or {}
    for i, profile in enumerate(PROFILES):
        x0 = left + i * (pw + gap)
        mine = sorted((r for r in runs if r['profile'] == profile), key=lambda r: r['hosts'])
        ymax = nice_ceiling(max([r[k]['seconds'] for r in mine for k, _l in KINDS] or [0]) * 1.08)
        panel = {'profile': profile, 'x': round(x0, 1), 'y': top, 'w': round(pw, 1), 'h': ph, 'bars': [], 'groups': [],
                 'ticks': [], 'title': '%s profile' % profile, 'subtitle': profile_subtitle(timing.get(profile))}
        for k in range(6):
            v = ymax * k / 5.0
            panel['ticks'].append({'y': round(top + ph - ph * v / ymax, 1), 'label': axis_label(v)})
        n = len(mine) or 1
        gw = pw / n
        bw = min(gw * 0.8 / 3.0, 34.0)
        for j, run in enumerate(mine):
            gx = x0 + gw * j + (gw - 3 * bw) / 2.0
            panel['groups'].append({'x': round(x0 + gw * (j + 0.5), 1), 'label': 'N = %d' % run['hosts']})
            for m, (kind, label) in enumerate(KINDS):
                part = run[kind]
                total = part['seconds']
                wait = min(part.get('reboot_wait_s') or 0.0, total)
                h_total = ph * total / ymax
                h_wait = ph * wait / ymax
                bx = gx + m * bw
                panel['bars'].append({
                    'x': round(bx + 1, 1), 'w': round(bw - 2, 1), 'colour': colours[kind],
                    'y_total': round(top + ph - h_total, 1), 'h_rest': round(h_total - h_wait, 1),
                    'y_rest': round(top + ph - (h_total - h_wait), 1), 'h_wait': round(h_wait, 1),
                    'label': axis_label(total), 'label_x': round(bx + bw / 2.0, 1), 'label_y': round(top + ph - h_total - 4, 1),
                    'title': '%s, %s profile, N = %d: %.1f s (reboot wait %.1f s, rest %.1f s)' % (
                        label, profile, run['hosts'], total, wait, total - wait)})
        panels.append(panel)
    legend_y = height - 32
    legend = []
    x = left
    for kind, label in KINDS:
        legend.append({'x': x, 'y': legend_y, 'colour': colours[kind], 'label': label, 'hatch': False})
        x += 28 + 6.8 * len(label) + 36
    legend.append({'x': x, 'y': legend_y, 'colour': '#555555', 'label': 'hatched: time waiting for reboots', 'hatch': True})
    return {'width': width, 'height': height, 'panels': panels, 'legend': legend, 'axis_y': round(top + ph, 1),
            'caption_y': height - 8}


def axis_label(value):
    return '%d' % round(value) if value >= 10 or value == int(value) else '%.1f' % value


def profile_subtitle(timing):
    """'instant flash, no boot delay' / 'SPI flash times, 60 s boot per reboot' (CXLAB_TIMING, labctl's TIMING)."""
    if not timing:
        return ''
    flash = 'SPI flash times' if timing.get('flash') else 'instant flash'
    boot = '%d s boot per reboot' % timing['boot_delay'] if timing.get('boot_delay') else 'no boot delay'
    return 'CXLAB_TIMING: %s, %s' % (flash, boot)


# ------------------------------------------------------------------------------ files
def environment():
    return jinja2.Environment(loader=jinja2.FileSystemLoader(os.path.join(HERE, 'templates')), autoescape=False,
                              trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)


def render(results, out):
    """results.md and chart.svg into the directory out."""
    env = environment()
    env.filters['short_task'] = short_task
    env.filters['cell'] = lambda v, fmt='%s': '-' if v is None else fmt % v
    env.filters['percent'] = lambda v: '-' if v is None else '%d %%' % round(v * 100)
    with open(os.path.join(out, 'results.md'), 'w') as handle:
        handle.write(env.get_template('results.md.j2').render(r=results, profiles=PROFILES, kinds=KINDS))
    svg = jinja2.Environment(loader=env.loader, autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined)
    with open(os.path.join(out, 'chart.svg'), 'w') as handle:
        handle.write(svg.get_template('chart.svg.j2').render(c=chart_model(results)))
