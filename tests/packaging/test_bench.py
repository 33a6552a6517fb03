# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The benchmark without the lab: bench/report.py's parsing, arithmetic, targets and rendering, bench/run.py's pure
parts (topology, by-hand arguments, SSH options, the podman exec inventory) and the counting callback's reboot waits,
on synthetic data shaped as a run writes it.

CONNECTX_BENCH_SHOTS=DIR keeps results.md and chart.svg of the synthetic results in DIR (and a PNG of the chart when
Chromium is installed), to look at.
"""

import copy
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'bench'))
sys.path.insert(0, os.path.join(ROOT, 'bench', 'callback_plugins'))
import report  # noqa: E402  pylint: disable=wrong-import-position,import-error
import run as bench  # noqa: E402  pylint: disable=wrong-import-position,import-error
import connectx_counts  # noqa: E402  pylint: disable=wrong-import-position,import-error

CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')
SVG = '{http://www.w3.org/2000/svg}'

# The end of a site.yml run's output with profile_tasks (output_limit all): the per-task timestamps, the recap, the list.
OUTPUT = """\
TASK [homelab.connectx.tools : Discover the ConnectX cards] *********************
Thursday 04 December 2026  19:54:30 +0000 (0:00:00.061)       0:00:01.204 *****
ok: [pve1]

PLAY RECAP *********************************************************************
pve1                       : ok=40   changed=6    unreachable=0    failed=0    skipped=20   rescued=0    ignored=0
pve2                       : ok=41   changed=7    unreachable=0    failed=0    skipped=19   rescued=0    ignored=0

TASKS RECAP ********************************************************************
Thursday 04 December 2026  19:54:44 +0000 (0:00:00.070)       0:00:14.000 *****
===============================================================================
homelab.connectx.link_check : Read the link state of the ports and ping the peers --- 4.85s
homelab.connectx.tools : Reboot (on Proxmox VE - quorum, HA maintenance, guests), then discover the cards again  1003.01s
homelab.connectx.tools : Reboot (on Proxmox VE - quorum, HA maintenance, guests), then discover the cards again --- 2.73s
homelab.connectx.firmware : Back up and burn the cards that are not at the target image --------------- 2.25s
Check the inventory variables -------------------------------------------------------------------------- 0.06s
"""


def _per_host(hosts, reboots, starts=60, calls=8, waits=None):
    out = {}
    for i, host in enumerate(hosts):
        out[host] = {'task_starts': starts, 'module_calls': calls, 'module_executions': calls + 7, 'reboots': reboots,
                     'controller_calls': 4, 'module_calls_by_task': {}, 'task_seconds': 10.0,
                     'by_role': {'tools': {'task_starts': 19, 'module_calls': 5, 'module_executions': 8},
                                 'firmware': {'task_starts': 10, 'module_calls': 1, 'module_executions': 5}},
                     'reboot_waits': [{'task': 'homelab.connectx.tools : Reboot', 'start': w[0], 'end': w[1],
                                       'seconds': round(w[1] - w[0], 3), 'elapsed': int(w[1] - w[0]), 'rebooted': True}
                                      for w in ((waits or {}).get(host) or [])]}
    return out


def _cards(hosts, calls, writes):
    return dict((h, {'tool_calls': calls, 'card_opens': calls, 'flash_writes': writes, 'flash_erases': 0,
                     'tool_calls_by_tool': {'mstflint': calls, 'mstconfig': 0, 'mstvpd': 0, 'lspci': 0}}) for h in hosts)


def _cpu(controller, hosts_s, wall, busy_share, cpus=2):
    return {'controller_s': controller, 'hosts_s': hosts_s, 'monitor_s': 0.1, 'machine_s': round(busy_share * wall * cpus, 2),
            'cpus': cpus, 'busy_share': busy_share}


def _site(n, seconds, wait, changed, writes, calls, reboots, starts, module_calls, cpu):
    hosts = ['pve%d' % i for i in range(1, n + 1)]
    per_wait = wait / n if n else 0
    waits = dict((h, [(5 + i * per_wait, 5 + (i + 1) * per_wait)]) for i, h in enumerate(hosts)) if wait else {}
    tasks = [['homelab.connectx.link_check : Read the link state of the ports and ping the peers', round(seconds * 0.2, 2)],
             ['homelab.connectx.tools : Install the missing Debian packages', round(seconds * 0.1, 2)],
             ['Check the inventory | variables', 0.06]]
    return {'seconds': seconds, 'reboot_wait_s': wait, 'rest_s': round(seconds - wait, 1), 'changed': changed, 'failed': 0,
            'peak_controller_mib': 140.0 + 40 * n, 'profile_tasks': tasks, 'slowest_tasks': report.slowest(tasks),
            'cpu': cpu, 'per_host': _per_host(hosts, reboots, starts, module_calls, waits), 'cards': _cards(hosts, calls, writes),
            'task_starts_per_host_max': starts, 'module_calls_per_host_max': module_calls,
            'module_executions_per_host_max': module_calls + 7, 'reboots_per_host_max': reboots,
            'tool_calls_per_card_max': calls, 'tool_calls_per_card_mean': calls, 'flash_writes': writes * n,
            'card_opens_per_card_max': calls, 'tool_calls_per_card_by_tool': {'mstflint': calls}}


def _baseline(n, seconds, wait):
    hosts = ['pve%d' % i for i in range(1, n + 1)]
    return {'seconds': seconds, 'reboot_wait_s': wait, 'rest_s': round(seconds - wait, 1),
            'phases': [['phase 1', round((seconds - wait) * 0.7, 1)], ['reboots', wait], ['phase 2', round((seconds - wait) * 0.3, 1)]],
            'cpu': _cpu(1.0 * n, 2.0 * n, seconds, 0.3), 'per_host': dict((h, {'reboots': 1, 'reboot_wait_s': wait / n}) for h in hosts),
            'cards': _cards(hosts, 11, 8387), 'tool_calls_per_card_max': 11, 'tool_calls_per_card_mean': 11, 'flash_writes': 8387 * n,
            'card_opens_per_card_max': 11, 'tool_calls_per_card_by_tool': {'mstflint': 7}}


def synthetic(hosts=(1, 2, 4, 8), profiles=('fast', 'realistic'), rerun_n1=6.0, scale=1.0, realistic_ratio=1.1):
    """Results as bench/run.py writes them before summarize: fast and realistic runs, podman at the ends of N."""
    runs, podman = [], []
    for profile in profiles:
        for n in hosts:
            if profile == 'fast':
                base = _baseline(n, 3.0 + 2.0 * n, 1.0 * n)
                first_rest = 12.0 * (1 + scale * (n - 1) / 7.0)
                first = _site(n, round(first_rest + 1.5 * n, 1), 1.5 * n, 6, 8387, 17, 1, 60, 8,
                              _cpu(8.0 * n, 3.0 * n, first_rest + 1.5 * n, min(0.95, 0.4 + 0.08 * n)))
                rerun_s = rerun_n1 * (1 + scale * (n - 1) / 7.0)
                rerun = _site(n, round(rerun_s, 1), 0.0, 0, 0, 3, 0, 51, 4, _cpu(4.0 * n, 1.0 * n, rerun_s, min(0.97, 0.5 + 0.07 * n)))
            else:
                base = _baseline(n, 20.0 + 62.0 * n, 62.0 * n)
                first = _site(n, round((20.0 + 62.0 * n) * realistic_ratio, 1), 63.0 * n, 6, 8387, 17, 1, 60, 8,
                              _cpu(8.0 * n, 3.0 * n, 100.0, 0.2))
                rerun = _site(n, 7.0 + n, 0.0, 0, 0, 3, 0, 51, 4, _cpu(4.0 * n, 1.0 * n, 7.0 + n, 0.6))
            runs.append({'profile': profile, 'hosts': n, 'connection': 'ssh', 'baseline': base, 'first': first, 'rerun': rerun})
            if profile == 'fast' and n in (min(hosts), max(hosts)):
                podman.append({'profile': profile, 'hosts': n, 'connection': 'podman exec',
                               'first': _site(n, round(first['seconds'] * 0.9, 1), 1.0 * n, 6, 8387, 17, 1, 60, 8,
                                              _cpu(6.0 * n, 5.0 * n, first['seconds'], 0.7)),
                               'rerun': _site(n, round(rerun['seconds'] * 0.8, 1), 0.0, 0, 0, 3, 0, 51, 4,
                                              _cpu(3.0 * n, 2.0 * n, rerun['seconds'], 0.7))})
    return {'machine': {'cpus': 2, 'python': '3.11.7', 'kernel': '6.18.44', 'ansible_core': '2.19.14'},
            'date': '2026-12-05T10:00:00Z', 'hosts': list(hosts), 'profiles': list(profiles),
            'podman_hosts': sorted(set([min(hosts), max(hosts)])), 'bench_seconds': 780.0,
            'timing': {'fast': {'flash': None, 'boot_delay': 0},
                       'realistic': {'flash': {'page_program_us': 800, 'sector_erase_us': 700000, 'subsector_erase_us': 70000},
                                     'boot_delay': 60}},
            'runs': runs, 'podman': podman, 'mitogen': {'measured': False, 'reason': 'not measured: not pinned'}}


def _targets(results):
    return dict((t['name'], t) for t in report.summarize(results)['targets'])


def _one(targets, prefix):
    found = [t for name, t in targets.items() if name.startswith(prefix)]
    assert len(found) == 1, (prefix, sorted(targets))
    return found[0]


# ------------------------------------------------------------------------------ parsing
def test_profile_tasks_reads_the_whole_list_after_the_recap_only():
    tasks = report.profile_tasks(OUTPUT)
    assert [t[1] for t in tasks] == [4.85, 1003.01, 2.73, 2.25, 0.06]
    # A name as long as the line has no dashes before its seconds; the name is kept whole.
    assert tasks[1][0] == ('homelab.connectx.tools : Reboot (on Proxmox VE - quorum, HA maintenance, guests), '
                           'then discover the cards again')
    assert tasks[4][0] == 'Check the inventory variables'
    assert report.profile_tasks('no recap here\nx --- 1.00s\n') == []


def test_slowest_and_where_the_time_goes():
    tasks = report.profile_tasks(OUTPUT)
    assert [t[1] for t in report.slowest(tasks, 2)] == [1003.01, 4.85]
    assert report.where_time_goes(tasks, 2) == ('tools : Reboot (on Proxmox VE - quorum, HA maintenance, guests), then discover '
                                                'the cards again 1003.0 s, link_check : Read the link state of the ports and '
                                                'ping the peers 4.8 s')


def test_recap():
    counts = report.recap(OUTPUT)
    assert counts['pve2']['changed'] == 7 and counts['pve1']['skipped'] == 20


# ------------------------------------------------------------------------------ time
def test_union_of_reboot_intervals():
    assert report.union_seconds([(0, 10), (10, 20)]) == 20
    assert report.union_seconds([(0, 10), (5, 12), (30, 31)]) == 13
    assert report.union_seconds([(5, 12), (0, 10), (1, 2)]) == 12
    assert report.union_seconds([(3, 3), (4, 2)]) == 0
    assert report.union_seconds([]) == 0


def test_reboot_wait_is_apart_from_the_rest():
    per_host = _per_host(['pve1', 'pve2'], 1, waits={'pve1': [(10.0, 72.5)], 'pve2': [(72.6, 135.0)]})
    wait, rest = report.split_wait(150.0, report.reboot_intervals(per_host))
    assert (wait, rest) == (124.9, 25.1)
    # Never more wait than wall time.
    assert report.split_wait(20.0, [(0, 30)]) == (20.0, 0.0)


# ------------------------------------------------------------------------------ CPU
def test_proc_stat_busy():
    text = 'cpu  100 5 50 1000 20 3 2 1 0 0\ncpu0 50 2 25 500 10 1 1 0 0 0\n'
    assert report.proc_stat_busy(text) == (161, 1181)
    with pytest.raises(ValueError):
        report.proc_stat_busy('intr 1 2 3\n')


def test_stat_cpu_ticks_with_a_name_holding_blanks_and_parentheses():
    text = '4242 (ssh: /tmp/cp (x) [mux]) S 1 4242 4242 0 -1 4194560 300 0 0 0 17 5 0 0 20 0 1 0 100 1000 200\n'
    assert report.stat_cpu_ticks(text) == 22


def test_cpu_delta_adds_the_masters_and_takes_the_monitor_out_of_the_hosts():
    before = {'controller': 10.0, 'hosts': 100.0, 'monitor': 5.0, 'busy': 1000.0}
    after = {'controller': 25.5, 'hosts': 130.0, 'monitor': 7.0, 'busy': 1036.0, 'masters': 1.5}
    cpu = report.cpu_delta(before, after, 20.0, 2)
    assert cpu == {'controller_s': 17.0, 'hosts_s': 28.0, 'monitor_s': 2.0, 'machine_s': 36.0, 'cpus': 2, 'busy_share': 0.9}
    # No cgroup found: no host figures, the rest still measured.
    cpu = report.cpu_delta(dict(before, hosts=None, monitor=None), dict(after, hosts=None, monitor=None), 20.0, 2)
    assert cpu['hosts_s'] is None and cpu['monitor_s'] is None and cpu['controller_s'] == 17.0


def test_cgroup_v1_parent_of_the_container(tmp_path):
    parent = tmp_path / 'cpuacct' / 'libpod_parent'
    (parent / 'conmon').mkdir(parents=True)
    (parent / 'cpuacct.usage').write_text('2500000000\n')
    (parent / 'conmon' / 'cpuacct.usage').write_text('500000000\n')
    text = '9:name=systemd:/\n4:memory:/libpod_parent/libpod-abc\n2:cpuacct:/libpod_parent/libpod-abc\n0::/\n'
    found = report.cgroup_usage_source(text, str(tmp_path))
    assert found == {'usage': str(parent / 'cpuacct.usage'), 'unit': 'ns', 'monitor': str(parent / 'conmon' / 'cpuacct.usage'),
                     'parent': '/libpod_parent'}
    assert report.cgroup_seconds((parent / 'cpuacct.usage').read_text(), 'ns') == 2.5


def test_cgroup_v2_slice_of_a_systemd_mode_container(tmp_path):
    (tmp_path / 'cgroup.controllers').write_text('cpu memory\n')
    sl = tmp_path / 'machine.slice'
    sl.mkdir()
    (sl / 'cpu.stat').write_text('usage_usec 7500000\nuser_usec 5000000\nsystem_usec 2500000\n')
    found = report.cgroup_usage_source('0::/machine.slice/libpod-abc.scope/container\n', str(tmp_path))
    assert found['usage'] == str(sl / 'cpu.stat') and found['unit'] == 'usec' and found['monitor'] is None
    assert report.cgroup_seconds((sl / 'cpu.stat').read_text(), 'usec') == 7.5


def test_no_cgroup_is_no_host_figure(tmp_path):
    assert report.cgroup_usage_source('0::/\n', str(tmp_path)) is None
    assert report.cgroup_usage_source('2:cpuacct:/libpod_parent/libpod-abc\n', str(tmp_path)) is None


# ------------------------------------------------------------------------------ targets
def test_targets_hold_on_good_data():
    targets = _targets(synthetic())
    timed = _one(targets, 'BENCH_HOSTS="1 2"')
    assert timed['status'] == report.UNMEASURED and timed['reason'] == 'this run: N = 1 2 4 8, profiles fast realistic'
    del targets[timed['name']]
    statuses = dict((name, t['status']) for name, t in targets.items())
    assert set(statuses.values()) == {report.HOLDS}, statuses
    assert all(t['reason'] == '' for t in targets.values())


def test_a_slow_rerun_does_not_hold_and_says_where_the_time_goes():
    t = _one(_targets(synthetic(rerun_n1=9.6)), 'fast profile, N = 1 over SSH: no-change re-run')
    assert t['status'] == report.FAILS
    assert t['measured'] == '9.6 s'
    assert t['reason'].startswith('9.6 s > 8 s; where the time goes: link_check : Read the link state of the ports and '
                                  'ping the peers 1.9 s, tools : Install the missing Debian packages 1.0 s')


def test_first_converge_over_three_times_by_hand_names_the_phases():
    results = synthetic()
    results['runs'][0]['first']['seconds'] = 16.0
    t = _one(_targets(results), 'fast profile, N = 1 over SSH: first converge')
    assert t['status'] == report.FAILS
    assert t['reason'].startswith('3.2 x > 3 x: by hand is phase 1 2.8 s, reboots 1.0 s, phase 2 1.2 s;')


def test_realistic_ratio_over_115_does_not_hold_with_the_reboot_waits_apart():
    t = _one(_targets(synthetic(realistic_ratio=1.3)), 'realistic profile')
    assert t['status'] == report.FAILS
    assert 'N = 1: 1.30 x > 1.15 x: reboot waits 63.0 s vs 62.0 s by hand, the rest 43.6 s vs 20.0 s' in t['reason']
    assert 'N = 8: 1.30 x > 1.15 x' in t['reason']


def test_targets_for_an_n_not_run_are_not_measured():
    targets = _targets(synthetic(hosts=(1, 2)))
    t = _one(targets, 'realistic profile')
    assert t['status'] == report.UNMEASURED and t['reason'] == 'N = 8 not measured'
    t = _one(targets, 'N = 8 vs N = 1')
    assert t['status'] == report.UNMEASURED
    assert t['measured'].startswith('N = 2 vs N = 1: first converge ')
    t = _one(targets, 'BENCH_HOSTS="1 2"')
    assert t['status'] == report.HOLDS and t['measured'] == '13.0 min'
    t = _one(_targets(synthetic(profiles=('fast',))), 'chart.svg shows both profiles')
    assert t['status'] == report.UNMEASURED and t['reason'] == 'realistic not measured in this run'


def test_bench_over_15_minutes_does_not_hold():
    results = synthetic(hosts=(1, 2))
    results['bench_seconds'] = 1000.0
    t = _one(_targets(results), 'BENCH_HOSTS="1 2"')
    assert t['status'] == report.FAILS and t['reason'] == '16.7 min > 15 min'


def test_scaling_over_2x_is_explained_with_measured_cpu():
    t = _one(_targets(synthetic(scale=2.0)), 'N = 8 vs N = 1')
    assert t['status'] == report.FAILS
    # First converge rest: 12 s at N = 1, 12 * 3 = 36 s at N = 8: 3 x; the CPU figures of both runs say why.
    # The floor: the machine's busy CPU time over 2 CPUs, against the time outside reboot waits (the first converge's
    # CPU time overlaps its reboot waits too, hence over 100 %).
    assert t['reason'].startswith('first converge 3.0 x > 2 x: N = 8: controller 64 s + hosts 24 s CPU, the machine busy '
                                  '91 s: at least 46 s of 2 CPUs, 127 % of the 36 s outside reboot waits (CPU-bound); '
                                  'N = 1: controller 8 s + hosts 3 s CPU, the machine busy 13 s: at least 6 s of 2 CPUs, '
                                  '54 % of the 12 s outside reboot waits (not CPU-bound: the rest is waiting)'), t['reason']
    assert 're-run 3.0 x > 2 x' in t['reason']


def test_rerun_changes_flash_writes_and_tool_calls_do_not_hold():
    results = synthetic(hosts=(1, 2))
    rerun = results['runs'][1]['rerun']
    rerun['changed'], rerun['flash_writes'], rerun['tool_calls_per_card_max'] = 2, 40, 5
    targets = _targets(results)
    assert _one(targets, 're-run: 0 changed')['reason'] == 'fast N = 2 ssh: 2 changed'
    assert _one(targets, 're-run: 0 flash writes')['reason'] == 'fast N = 2 ssh: 40 flash writes'
    t = _one(targets, 're-run: <= 3 tool calls')
    assert t['status'] == report.FAILS and t['measured'] == 'at most 5 in 6 re-runs'


def test_two_reboots_of_a_crossflashed_node_do_not_hold():
    results = synthetic(hosts=(1, 2))
    results['runs'][1]['first']['per_host']['pve2']['reboots'] = 2
    targets = _targets(results)
    t = _one(targets, '1 reboot per crossflashed node')
    assert t['status'] == report.FAILS and t['reason'] == 'fast N = 2 ssh first pve2: 2 reboots'
    t = _one(targets, 'first converge: <= 90 task starts')
    assert t['status'] == report.FAILS and t['reason'] == 'fast N = 2 pve2: 2 reboots'


def test_a_reboot_on_the_rerun_does_not_hold_and_a_node_not_crossflashed_is_not_judged():
    results = synthetic(hosts=(1, 2))
    results['podman'][0]['rerun']['per_host']['pve1']['reboots'] = 1
    first = results['runs'][1]['first']
    first['cards']['pve2']['flash_writes'] = 0
    first['per_host']['pve2']['reboots'] = 0
    t = _one(_targets(results), '1 reboot per crossflashed node')
    assert t['status'] == report.FAILS and t['reason'] == 'fast N = 1 podman exec rerun pve1: 1 reboots'
    assert t['measured'] == '8 crossflashed nodes in 6 first converges'


def test_count_targets_name_the_host_over_the_limit():
    results = synthetic(hosts=(1, 2))
    results['runs'][3]['rerun']['per_host']['pve1']['module_calls'] = 7
    t = _one(_targets(results), 're-run: <= 60 task starts')
    assert t['status'] == report.FAILS and t['reason'] == 'realistic N = 2 pve1: 7 module calls'
    assert t['measured'] == 'at most 51 task starts, at most 7 module calls'


# ------------------------------------------------------------------------------ rendering
def test_nice_ceiling():
    assert [report.nice_ceiling(v) for v in (0, 0.7, 9, 11, 23, 260, 510)] == [1, 1, 10, 20, 25, 500, 1000]


def test_chart_model_bars_stack_the_reboot_wait_on_the_rest():
    model = report.chart_model(report.summarize(synthetic()))
    assert [p['profile'] for p in model['panels']] == ['fast', 'realistic']
    realistic = model['panels'][1]
    assert len(realistic['bars']) == 4 * 3
    for rect in realistic['bars']:
        assert abs(rect['y_total'] + rect['h_wait'] - rect['y_rest']) < 0.2
        assert rect['y_rest'] + rect['h_rest'] <= model['axis_y'] + 0.2
    # The panels do not overlap, and each bar is inside its panel.
    fast = model['panels'][0]
    assert fast['x'] + fast['w'] < realistic['x'] - 40
    for panel in model['panels']:
        assert all(panel['x'] <= b['x'] and b['x'] + b['w'] <= panel['x'] + panel['w'] for b in panel['bars'])


def _render(tmp_path, results):
    report.render(report.summarize(results), str(tmp_path))
    return (tmp_path / 'results.md').read_text(), ET.parse(str(tmp_path / 'chart.svg')).getroot()


def test_render_results_md_and_a_valid_svg_with_both_profiles(tmp_path):
    md, svg = _render(tmp_path, synthetic())
    panels = [g.get('data-profile') for g in svg.iter(SVG + 'g') if g.get('class') == 'panel']
    assert panels == ['fast', 'realistic']
    texts = [t.text for t in svg.iter(SVG + 'text')]
    assert 'realistic profile' in texts and 'CXLAB_TIMING: SPI flash times, 60 s boot per reboot' in texts
    assert 'fast profile' in texts and 'CXLAB_TIMING: instant flash, no boot delay' in texts
    assert '## fast profile' in md and '## realistic profile' in md and '## SSH vs podman exec' in md
    assert '| 8 | podman exec |' in md and 'Not measured: not pinned.' in md
    assert '| first converge: <= 90 task starts, <= 12 module calls on the host, 1 reboot per host | holds |' in md
    # A task name with a | does not break the table.
    assert 'Check the inventory / variables' in md
    lines = [line for line in md.splitlines() if line.startswith('| ')]
    assert all(line.count(' | ') >= 2 for line in lines)
    if os.environ.get('CONNECTX_BENCH_SHOTS'):
        keep(tmp_path, os.environ['CONNECTX_BENCH_SHOTS'])


def test_render_failing_targets_show_the_reason(tmp_path):
    md, _svg = _render(tmp_path, synthetic(rerun_n1=9.6, hosts=(1, 2)))
    row = [line for line in md.splitlines() if line.startswith('| fast profile, N = 1 over SSH: no-change re-run')][0]
    assert '| does not hold | 9.6 s | 9.6 s > 8 s; where the time goes: link_check' in row


def test_render_one_profile_only(tmp_path):
    md, svg = _render(tmp_path, synthetic(profiles=('fast',), hosts=(1,)))
    assert '## realistic profile' not in md
    assert 'not measured in this run' in [t.text for t in svg.iter(SVG + 'text')]


def keep(tmp_path, dest):
    os.makedirs(dest, exist_ok=True)
    for name in ('results.md', 'chart.svg'):
        shutil.copy(str(tmp_path / name), os.path.join(dest, name))
    if CHROMIUM:
        subprocess.run([CHROMIUM, '--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars',
                        '--screenshot=%s' % os.path.join(dest, 'chart.png'), '--window-size=980,440',
                        'file://' + os.path.join(dest, 'chart.svg')], capture_output=True, timeout=120, check=False)


@pytest.mark.skipif(CHROMIUM is None, reason='Chromium is not installed (tests/apt-packages.txt installs it)')
def test_chart_renders_in_chromium_without_overlapping_text(tmp_path):
    """The chart in headless Chromium: every text's box (getBoundingClientRect) apart from every other one."""
    _render(tmp_path, synthetic())
    svg = (tmp_path / 'chart.svg').read_text()
    page = tmp_path / 'page.html'
    page.write_text('<!DOCTYPE html><html><body style="margin:0">%s<script>'
                    'var boxes = Array.from(document.querySelectorAll("text")).map(function (t) {'
                    '  var r = t.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom, t.textContent]; });'
                    'var clash = [];'
                    'for (var i = 0; i < boxes.length; i++) for (var j = i + 1; j < boxes.length; j++) {'
                    '  var a = boxes[i], b = boxes[j];'
                    '  if (a[0] < b[2] - 0.5 && b[0] < a[2] - 0.5 && a[1] < b[3] - 0.5 && b[1] < a[3] - 0.5) clash.push(a[4] + " / " + b[4]); }'
                    'var out = document.createElement("pre"); out.id = "clash"; out.textContent = JSON.stringify(clash);'
                    'document.body.appendChild(out);</script></body></html>' % svg)
    res = subprocess.run([CHROMIUM, '--headless', '--no-sandbox', '--disable-gpu', '--window-size=1000,500', '--dump-dom',
                          '--virtual-time-budget=2000', 'file://%s' % page], capture_output=True, text=True, timeout=120, check=False)
    start = res.stdout.find('<pre id="clash">')
    assert start >= 0, res.stderr[-2000:]
    clash = json.loads(res.stdout[start + len('<pre id="clash">'):res.stdout.index('</pre>', start)].replace('&quot;', '"'))
    assert clash == []


# ------------------------------------------------------------------------------ run.py's pure parts
def test_topology_pairs_the_hosts():
    topo = bench.topology(3)
    assert sorted(topo['hosts']) == ['pve1', 'pve2', 'pve3']
    assert [c['name'] for c in topo['cables']] == ['pve1-pve2']
    assert topo['hosts']['pve3']['interfaces'] == []
    assert bench.baseline_args(topo, 'pve1') == ['ens1=198.18.1.1/30', '--peer=198.18.1.2']
    assert bench.baseline_args(topo, 'pve2') == ['ens1=198.18.1.2/30', '--peer=198.18.1.1']
    assert bench.baseline_args(topo, 'pve3') == []


INVENTORY = {'all': {
    'vars': {'connectx_firmware_image': '/x/fw.bin', 'connectx_links': []},
    'children': {'connectx_hosts': {'children': {
        'proxmox': {'hosts': {
            'pve1': {'ansible_connection': 'ssh', 'ansible_host': '198.19.0.11', 'ansible_user': 'root',
                     'ansible_ssh_private_key_file': '/lab/ssh/id_ed25519',
                     'ansible_ssh_common_args': '-o UserKnownHostsFile=/lab/ssh/known_hosts -o StrictHostKeyChecking=yes '
                                                '-o IdentitiesOnly=yes',
                     'ansible_python_interpreter': '/usr/bin/python3', 'connectx_interfaces': [{'name': 'ens1'}]},
            'pve2': {'ansible_connection': 'ssh', 'ansible_host': '198.19.0.12', 'ansible_user': 'cxadmin',
                     'ansible_become': True, 'ansible_ssh_private_key_file': '/lab/ssh/id_ed25519'}}},
        'linux_hosts': {'hosts': {'ws1': {'ansible_host': '198.19.0.14', 'connectx_management_interface': 'eno1'}}}}}}}}


def test_ssh_options_from_the_inventory():
    node = bench.Node('pve1', bench.inventory_hosts(INVENTORY)['pve1'][1])
    assert node.options == ['-i', '/lab/ssh/id_ed25519', '-o', 'UserKnownHostsFile=/lab/ssh/known_hosts', '-o',
                            'StrictHostKeyChecking=yes', '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o',
                            'ConnectTimeout=5']
    argv = node.ssh_argv(['bash', '-s', '2', '0000:03:00.0', 'ens1=198.18.1.1/30'], first=('-o', 'ConnectTimeout=2'))
    assert argv[:3] == ['ssh', '-o', 'ConnectTimeout=2'] and argv[-2] == 'root@198.19.0.11'
    assert argv[-1] == 'bash -s 2 0000:03:00.0 ens1=198.18.1.1/30'
    sudo = bench.Node('pve2', bench.inventory_hosts(INVENTORY)['pve2'][1])
    assert sudo.ssh_argv(['reboot'])[-2:] == ['cxadmin@198.19.0.12', 'sudo -n reboot']


def _node(monkeypatch, ids, session):
    """A Node whose boot ids come from the list ids (None: no answer) and whose `ssh reboot` is the shell line session."""
    node = bench.Node('pve1', bench.inventory_hosts(INVENTORY)['pve1'][1])
    answers = list(ids)
    monkeypatch.setattr(node, 'boot_id', lambda check=True: answers.pop(0) if answers else None)
    monkeypatch.setattr(node, 'ssh_argv', lambda argv, first=(): ['sh', '-c', session])
    monkeypatch.setattr(bench.time, 'sleep', lambda s: None)
    return node


def test_reboot_by_hand_waits_for_a_new_boot_id(monkeypatch):
    node = _node(monkeypatch, ['old', 'old', None, None, 'new'], 'exit 255')
    start, end = node.reboot(timeout=60)
    assert 0 <= end - start < 5


def test_reboot_by_hand_that_fails_or_never_comes_back(monkeypatch):
    node = _node(monkeypatch, ['old'] + ['old'] * 50, 'echo "reboot: Operation not permitted" >&2; exit 1')
    with pytest.raises(bench.BenchError, match='pve1: reboot failed \\(rc 1\\): reboot: Operation not permitted'):
        node.reboot(timeout=60)
    node = _node(monkeypatch, ['old'], 'exit 0')
    with pytest.raises(bench.BenchError, match='pve1 did not answer with a new boot id within 0 s'):
        node.reboot(timeout=0)


def test_fetch_the_backup_through_sudo_tar_for_another_login(monkeypatch, tmp_path):
    remote = tmp_path / 'root' / 'connectx-backup'
    remote.mkdir(parents=True)
    (remote / 'card.image').write_bytes(b'\x00fw')
    (remote / 'SHA256SUMS').write_text('x  card.image\n')
    node = bench.Node('pve2', bench.inventory_hosts(INVENTORY)['pve2'][1])
    seen = []
    monkeypatch.setattr(node, 'ssh_argv', lambda argv, first=(): seen.append(node.sudo + list(argv)) or list(argv))
    dest = tmp_path / 'controller' / 'pve2'
    node.fetch_dir(str(remote), str(dest))
    assert seen == [['sudo', '-n', 'tar', '-C', str(remote.parent), '-cf', '-', 'connectx-backup']]
    assert sorted(os.listdir(str(dest))) == ['SHA256SUMS', 'card.image'] and (dest / 'card.image').read_bytes() == b'\x00fw'


def test_root_fetches_the_backup_with_scp(monkeypatch, tmp_path):
    node = bench.Node('pve1', bench.inventory_hosts(INVENTORY)['pve1'][1])
    calls = []
    monkeypatch.setattr(bench, 'run', lambda argv, **kw: calls.append(argv))
    node.fetch_dir('/root/connectx-backup', str(tmp_path / 'b' / 'pve1'))
    node.put('/x/fw.bin', '/tmp/connectx-target.bin')
    assert calls[0][:3] == ['scp', '-q', '-r'] and calls[0][-2:] == ['root@198.19.0.11:/root/connectx-backup', str(tmp_path / 'b' / 'pve1')]
    assert calls[1][-2:] == ['/x/fw.bin', 'root@198.19.0.11:/tmp/connectx-target.bin'] and '-i' in calls[1]


def test_in_parallel_reports_every_failure():
    done = []

    def step(name):
        if name != 'pve2':
            raise bench.BenchError('boom')
        done.append(name)

    with pytest.raises(bench.BenchError) as exc:
        bench.in_parallel(step, ['pve1', 'pve2', 'pve3'])
    assert sorted(str(exc.value).split('; ')) == ['pve1: boom', 'pve3: boom'] and done == ['pve2']


def test_podman_inventory_keeps_the_groups_and_vars_and_drops_ssh():
    derived = bench.podman_inventory(INVENTORY)
    hosts = bench.inventory_hosts(derived)
    group, pve1 = hosts['pve1']
    assert group == 'proxmox'
    assert pve1 == {'ansible_connection': 'containers.podman.podman', 'ansible_host': 'cxlab-pve1',
                    'ansible_python_interpreter': '/usr/bin/python3', 'connectx_interfaces': [{'name': 'ens1'}],
                    'connectx_reboot_command': bench.PODMAN_REBOOT_COMMAND,
                    'connectx_boot_time_command': 'cat /run/boot_id', 'connectx_management_interface': 'vmbr0'}
    assert 'ansible_become' not in hosts['pve2'][1] and 'ansible_user' not in hosts['pve2'][1]
    # Another host's management is on mgmt0, unless the inventory names one.
    assert hosts['ws1'][1]['connectx_management_interface'] == 'eno1'
    assert derived['all']['vars'] == INVENTORY['all']['vars']
    # The lab's own inventory is left as it was.
    assert bench.inventory_hosts(INVENTORY)['pve1'][1]['ansible_connection'] == 'ssh'


def test_card_delta_per_host_and_over_the_hosts():
    keys = ['tool_opens', 'flash_program_ops', 'flash_erase_ops'] + ['opens_' + t for t in bench.TOOLS]
    zero = dict((k, 0) for k in keys)
    before = {'pve1': dict(zero), 'pve2': dict(zero)}
    after = {'pve1': dict(zero, tool_opens=17, opens_mstflint=12, opens_mstconfig=3, opens_mstvpd=1, opens_lspci=1,
                          flash_program_ops=8387),
             'pve2': dict(zero, tool_opens=3, opens_mstflint=3)}
    delta = bench.card_delta(before, after)
    assert delta['cards']['pve1']['tool_calls'] == 17 and delta['cards']['pve2']['tool_calls'] == 3
    assert delta['tool_calls_per_card_max'] == 17 and delta['tool_calls_per_card_mean'] == 10.0
    assert delta['flash_writes'] == 8387 and delta['tool_calls_per_card_by_tool']['mstconfig'] == 3


def test_podman_hosts():
    assert bench.podman_hosts(None, [1, 2, 4, 8]) == [1, 8]
    assert bench.podman_hosts(None, [2]) == [2]
    assert bench.podman_hosts(['none'], [1, 2]) == []
    assert bench.podman_hosts(['2', '16'], [1, 2]) == [2]


class _FakeLab(object):
    """A lab of N hosts whose cards count what a run did: 17 tool calls and one burn on the first run, 3 calls after."""

    def __init__(self, n):
        self.n, self.profile, self.cgroup = n, 'fast', None
        self.topo = bench.topology(n)
        self.inventory = {'all': {'vars': {'connectx_firmware_image': '/x/fw.bin'}, 'children': {'connectx_hosts': {
            'children': {'proxmox': {'hosts': dict((h, {'ansible_host': '198.19.0.%d' % (10 + i)})
                                                   for i, h in enumerate(sorted(self.topo['hosts']), 1))}}}}}}
        self.reads = 0

    def hostvars(self, host):
        return bench.inventory_hosts(self.inventory)[host][1]

    def counters(self):
        self.reads += 1
        base = dict((k, 0) for k in ['tool_opens', 'flash_program_ops', 'flash_erase_ops'] + ['opens_' + t for t in bench.TOOLS])
        if self.reads > 1:
            base.update(tool_opens=17, opens_mstflint=12, opens_mstconfig=3, opens_mstvpd=1, opens_lspci=1, flash_program_ops=8387)
        return dict((h, dict(base)) for h in self.topo['hosts'])


FAKE_PLAYBOOK = """#!%s
import json, os, sys, time
time.sleep(0.3)
hosts = ['pve1', 'pve2']
json.dump(dict((h, {'task_starts': 60, 'module_calls': 8, 'module_executions': 15, 'reboots': 1, 'task_seconds': 9.0,
                    'reboot_waits': [{'task': 'tools : Reboot', 'start': 1.0 + 0.1 * i, 'end': 1.1 + 0.1 * i, 'seconds': 0.1,
                                      'elapsed': 0, 'rebooted': True}]}) for i, h in enumerate(hosts)),
          open(os.environ['CONNECTX_COUNTS_FILE'], 'w'))
assert os.environ['PROFILE_TASKS_TASK_OUTPUT_LIMIT'] == 'all' and sys.argv[1] == '-i'
sys.stdout.write(%r)
"""


def test_site_run_measured_end_to_end_with_a_fake_playbook(monkeypatch, tmp_path):
    script = tmp_path / 'ansible-playbook'
    script.write_text(FAKE_PLAYBOOK % (sys.executable, OUTPUT))
    script.chmod(0o755)
    monkeypatch.setattr(bench, 'PLAYBOOK', str(script))
    monkeypatch.setattr(bench, 'WORK', str(tmp_path))
    result = bench.site(_FakeLab(2), 'first', inventory=str(tmp_path / 'inventory.yml'))
    assert result['changed'] == 13 and result['failed'] == 0
    assert result['seconds'] >= 0.3 and result['reboot_wait_s'] == 0.2 and result['rest_s'] == round(result['seconds'] - 0.2, 1)
    assert [t[1] for t in result['profile_tasks']] == [4.85, 1003.01, 2.73, 2.25, 0.06]
    assert result['slowest_tasks'][0][1] == 1003.01
    assert result['flash_writes'] == 2 * 8387 and result['tool_calls_per_card_max'] == 17
    assert result['reboots_per_host_max'] == 1 and result['per_host']['pve2']['task_starts'] == 60
    assert result['peak_controller_mib'] > 0 and result['cpu']['controller_s'] > 0 and result['cpu']['hosts_s'] is None
    assert (tmp_path / 'site-fast-2-ssh-first.log').read_text() == OUTPUT


def test_a_failing_site_run_stops_the_bench_with_its_log(monkeypatch, tmp_path):
    script = tmp_path / 'ansible-playbook'
    script.write_text('#!/bin/sh\necho "fatal: [pve1]: UNREACHABLE!"\nexit 4\n')
    script.chmod(0o755)
    monkeypatch.setattr(bench, 'PLAYBOOK', str(script))
    monkeypatch.setattr(bench, 'WORK', str(tmp_path))
    with pytest.raises(bench.BenchError, match='site.yml \\(fast-1-podman-rerun\\) failed, rc 4; see .*site-fast-1-podman-rerun.log'):
        bench.site(_FakeLab(1), 'rerun', connection='podman')


class _FakeNode(object):
    log = []

    def __init__(self, name, hostvars):
        self.name = name

    def put(self, local, remote):
        self.log.append((self.name, 'put', remote))

    def ssh(self, argv, stdin=None, **kw):
        self.log.append((self.name, 'ssh', ' '.join(argv[:3])))

    def fetch_dir(self, remote, local):
        os.makedirs(local)
        with open(os.path.join(local, 'card.image'), 'wb') as handle:
            handle.write(b'fw')
        with open(os.path.join(local, 'SHA256SUMS'), 'w') as handle:
            handle.write('%s  card.image\n' % hashlib.sha256(b'fw').hexdigest())
        self.log.append((self.name, 'fetch', remote))

    def reboot(self, timeout):
        self.log.append((self.name, 'reboot', timeout))
        start = time.time()
        time.sleep(0.3)
        return start, time.time()


def test_baseline_phase_one_everywhere_then_one_reboot_at_a_time_then_phase_two(monkeypatch, tmp_path):
    monkeypatch.setattr(bench, 'Node', _FakeNode)
    monkeypatch.setattr(bench, 'WORK', str(tmp_path))
    _FakeNode.log = []
    result = bench.baseline(_FakeLab(2), boot_delay=60)
    steps = [(h, what) for h, what, _arg in _FakeNode.log]
    reboots = [i for i, step in enumerate(steps) if step[1] == 'reboot']
    assert [steps[i][0] for i in reboots] == ['pve1', 'pve2']
    # Every phase 1 step of every host before the first reboot, every phase 2 after the last.
    assert sorted(steps[:reboots[0]]) == sorted([(h, w) for h in ('pve1', 'pve2') for w in ('put', 'ssh', 'fetch')])
    assert sorted(steps[reboots[-1] + 1:]) == [('pve1', 'ssh'), ('pve2', 'ssh')]
    assert ('pve1', 'reboot', 360) in _FakeNode.log
    assert ('pve2', 'ssh', 'bash -s 2') in _FakeNode.log
    # The two reboots one after the other: their waits add up, and the rest is what is left of the wall time.
    assert 0.6 <= result['reboot_wait_s'] < 0.8 and abs(result['rest_s'] - (result['seconds'] - result['reboot_wait_s'])) < 0.11
    assert [p[0] for p in result['phases']] == ['phase 1', 'reboots', 'phase 2'] and result['phases'][1][1] >= 0.6
    assert result['per_host']['pve2']['reboots'] == 1 and 0.3 <= result['per_host']['pve2']['reboot_wait_s'] <= 0.4
    assert result['flash_writes'] == 2 * 8387 and result['cpu']['machine_s'] is not None


# ------------------------------------------------------------------------------ the counting callback
class _Obj(object):
    def __init__(self, **kw):
        self.__dict__.update(kw)


def _task(action, name, uuid):
    return _Obj(action=action, _uuid=uuid, _role=None, delegate_to=None, get_name=lambda: name)


def _result(host, task, res):
    return _Obj(_host=_Obj(get_name=lambda: host), _task=task, _result=res)


def test_callback_records_each_hosts_reboot_wait(monkeypatch, tmp_path):
    clock = [100.0]
    monkeypatch.setattr(connectx_counts.time, 'time', lambda: clock[0])
    cb = connectx_counts.CallbackModule()
    cb.v2_playbook_on_start(None)
    reboot = _task('homelab.connectx.node_reboot', 'tools : Reboot', 'u1')
    disc = _task('homelab.connectx.mlx_device_info', 'tools : Discover', 'u2')
    host = _Obj(get_name=lambda: 'pve1')
    cb.v2_runner_on_start(host, disc)
    clock[0] = 101.0
    cb.v2_runner_on_ok(_result('pve1', disc, {'changed': False}))
    cb.v2_runner_on_start(host, reboot)
    clock[0] = 163.5
    cb.v2_runner_on_ok(_result('pve1', reboot, {'changed': True, 'rebooted': True, 'elapsed': 61, 'modules_run': ['a', 'reboot']}))
    skipped = _task('homelab.connectx.node_reboot', 'tools : Reboot', 'u3')
    cb.v2_runner_on_start(host, skipped)
    cb.v2_runner_on_skipped(_result('pve1', skipped, {'skipped': True}))
    path = tmp_path / 'counts.json'
    monkeypatch.setenv('CONNECTX_COUNTS_FILE', str(path))
    cb.v2_playbook_on_stats(None)
    counts = json.loads(path.read_text())['pve1']
    assert counts['reboots'] == 1 and counts['module_executions'] == 3 and counts['task_starts'] == 3
    assert counts['reboot_waits'] == [{'task': 'tools : Reboot', 'start': 1.0, 'end': 63.5, 'seconds': 62.5, 'elapsed': 61,
                                       'rebooted': True}]
    assert counts['task_seconds'] == 63.5
    assert report.split_wait(70.0, report.reboot_intervals({'pve1': counts})) == (62.5, 7.5)


def test_synthetic_results_are_json():
    results = report.summarize(copy.deepcopy(synthetic()))
    assert json.loads(json.dumps(results))['targets'] == results['targets']
