# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""make bench: how fast site.yml converges the lab, side by side with the same commands run by hand.

For each N (lab hosts, default 1 2 4 8), on a fresh lab of N Proxmox nodes with MCX354A-QCBT cards
(cabled in pairs at 40G):
  1. baseline: bench/baseline.sh on every host at once (discovery, backup fetched to the controller,
     crossflash, ports to Ethernet, one reboot, driver, interfaces, link check), timed;
  2. a fresh lab again, then site.yml: the first converge, timed;
  3. site.yml again with nothing to do, timed.
Counted by the lab's emulated cards: tool invocations per card (processes that opened the card) and
flash writes. Peak controller memory: the largest sum of RSS over ansible-playbook and its workers.
Writes bench/results.json, bench/results.md and bench/chart.svg (time vs N); callback timings
(ansible.posix.profile_tasks) of each run go into results.json.

Usage: python3 bench/run.py [--hosts 1 2 4 8] [--keep-lab] [--out DIR]
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import threading
import time

import jinja2
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
LABCTL = os.path.join(REPO, 'tests', 'lab', 'labctl.py')
CARDCTL = os.path.join(REPO, 'tests', 'lab', 'emulator', 'cardctl.py')
STATE = os.path.join(REPO, '.cache', 'lab')
WORK = os.path.join(REPO, '.cache', 'bench')
INVENTORY = os.path.join(STATE, 'inventory.yml')
BDF = '0000:03:00.0'
TOOLS = ('mstflint', 'mstconfig', 'mstvpd', 'lspci')


def log(msg):
    sys.stderr.write('bench: %s\n' % msg)
    sys.stderr.flush()


def run(argv, check=True, **kw):
    res = subprocess.run(argv, capture_output=True, text=True, check=False, **kw)
    if check and res.returncode != 0:
        raise SystemExit('bench: %s failed (rc %s)\n%s\n%s' % (' '.join(argv), res.returncode, res.stdout[-3000:], res.stderr[-3000:]))
    return res


# ---------------------------------------------------------------------------------------- lab
def topology(n):
    """N Proxmox nodes with a QCBT card each (crossflashed to FCBT), cabled in pairs at 40G."""
    hosts, cables = {}, []
    for i in range(1, n + 1):
        pair, side = (i + 1) // 2, 1 if i % 2 else 2
        has_peer = side == 2 or i + 1 <= n
        hosts['pve%d' % i] = {
            'group': 'proxmox', 'management': '198.19.0.%d' % (10 + i), 'firmware': True,
            'cards': [{'bdf': BDF, 'preset': 'MCX354A-QCBT', 'slot_speed': 8, 'slot_width': 8, 'netdevs': ['ens1', 'ens1d1']}],
            'interfaces': [{'name': 'ens1', 'address': '198.18.%d.%d/30' % (pair, side)}] if has_peer else [],
        }
        if side == 2:
            cables.append({'name': 'pve%d-pve%d' % (i - 1, i), 'a': 'pve%d:ens1' % (i - 1), 'b': 'pve%d:ens1' % i, 'speed_mbps': 40000})
    return {'target_image': 'MCX354A-FCBT', 'management_subnet': '198.19.0.0/24', 'hosts': hosts, 'cables': cables}


class Lab(object):
    def __init__(self, n):
        self.n = n
        self.topo = topology(n)
        os.makedirs(WORK, exist_ok=True)
        self.path = os.path.join(WORK, 'topology-%d.yml' % n)
        with open(self.path, 'w') as handle:
            yaml.safe_dump(self.topo, handle, sort_keys=False)

    def ctl(self, *args):
        return run([sys.executable, LABCTL, '--topology', self.path] + list(args))

    def fresh(self):
        self.ctl('down')
        self.ctl('up')

    def counters(self):
        """{host: counters of its card} (cumulative since the card was made)."""
        out = {}
        for host in self.topo['hosts']:
            root = os.path.join(STATE, 'hosts', host, 'fakemlx')
            out[host] = json.loads(run([sys.executable, CARDCTL, '--root', root, 'show']).stdout)[BDF]['counters']
        return out


def delta(before, after):
    """Per run: tool invocations per card (max and mean), flash writes in all."""
    calls = dict((h, sum(after[h]['opens_' + t] - before[h]['opens_' + t] for t in TOOLS)) for h in after)
    opens = dict((h, after[h]['tool_opens'] - before[h]['tool_opens']) for h in after)
    writes = sum(after[h]['flash_program_ops'] - before[h]['flash_program_ops'] for h in after)
    by_tool = dict((t, max(after[h]['opens_' + t] - before[h]['opens_' + t] for h in after)) for t in TOOLS)
    return {'tool_calls_per_card_max': max(calls.values()), 'tool_calls_per_card_mean': round(sum(calls.values()) / len(calls), 1),
            'tool_calls_per_card_by_tool': by_tool,
            'card_opens_per_card_max': max(opens.values()), 'flash_writes': writes}


# --------------------------------------------------------------------------------- measuring
class PeakRss(threading.Thread):
    """Largest sum of RSS (MiB) over a process and its descendants, sampled every 0.2 s."""

    def __init__(self, pid):
        threading.Thread.__init__(self)
        self.daemon = True
        self.pid, self.peak, self.done = pid, 0.0, threading.Event()

    def sample(self):
        parents, rss = {}, {}
        for entry in os.listdir('/proc'):
            if not entry.isdigit():
                continue
            try:
                with open('/proc/%s/stat' % entry) as handle:
                    fields = handle.read().rsplit(')', 1)[1].split()
                parents[int(entry)] = int(fields[1])
                rss[int(entry)] = int(fields[21]) * os.sysconf('SC_PAGE_SIZE')
            except (IOError, OSError, IndexError, ValueError):
                continue
        tree, grew = {self.pid}, True
        while grew:
            more = set(p for p, parent in parents.items() if parent in tree) - tree
            grew = bool(more)
            tree |= more
        return sum(rss.get(p, 0) for p in tree) / 1048576.0

    def run(self):
        while not self.done.is_set():
            self.peak = max(self.peak, self.sample())
            time.sleep(0.2)


def recap(output):
    hosts = {}
    for host, counts in re.findall(r'^(\S+)\s+:\s+(ok=.*)$', output, re.M):
        hosts[host] = dict((k, int(v)) for k, v in re.findall(r'(\w+)=(\d+)', counts))
    return hosts


def profile(output, limit=12):
    """The slowest tasks from ansible.posix.profile_tasks: [(task, seconds)]."""
    tasks = re.findall(r'^(.+?) -+ (\d+\.\d+)s$', output, re.M)
    return [(name.strip(), float(sec)) for name, sec in tasks][:limit]


def site(lab, label):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, 'ansible.cfg'), ANSIBLE_FORCE_COLOR='0', LC_ALL='C.UTF-8',
               ANSIBLE_CALLBACKS_ENABLED='ansible.posix.profile_tasks,connectx_counts', PROFILE_TASKS_TASK_OUTPUT_LIMIT='12',
               ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, 'callback_plugins'),
               CONNECTX_COUNTS_FILE=os.path.join(WORK, 'counts-%d-%s.json' % (lab.n, label)),
               ANSIBLE_FORKS=str(max(lab.n, 5)))
    argv = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', INVENTORY, os.path.join(REPO, 'playbooks', 'site.yml')]
    before = lab.counters()
    start = time.time()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=REPO)
    meter = PeakRss(proc.pid)
    meter.start()
    output = proc.communicate()[0]
    seconds = time.time() - start
    meter.done.set()
    meter.join()
    with open(os.path.join(WORK, 'site-%d-%s.log' % (lab.n, label)), 'w') as handle:
        handle.write(output)
    counts = recap(output)
    if proc.returncode != 0 or not counts:
        raise SystemExit('bench: site.yml (%s, N=%d) failed, rc %s; see %s' % (label, lab.n, proc.returncode, handle.name))
    with open(env['CONNECTX_COUNTS_FILE']) as handle:
        costs = json.load(handle)
    result = {'seconds': round(seconds, 1), 'changed': sum(c.get('changed', 0) for c in counts.values()),
              'peak_controller_mib': round(meter.peak, 1), 'slowest_tasks': profile(output),
              # Per host (bench/callback_plugins/connectx_counts.py): the largest over the hosts.
              'task_starts_per_host_max': max(c['task_starts'] for c in costs.values()),
              'module_calls_per_host_max': max(c['module_calls'] for c in costs.values()),
              'module_executions_per_host_max': max(c['module_executions'] for c in costs.values()),
              'reboots_per_host_max': max(c['reboots'] for c in costs.values()), 'per_host': costs}
    result.update(delta(before, lab.counters()))
    return result


def baseline_host(lab, host, image, errors):
    """bench/baseline.sh on one host: phase 1, fetch the backup, reboot, phase 2."""
    name = 'cxlab-%s' % host
    conf = lab.topo['hosts'][host]
    args = ['%s=%s' % (i['name'], i['address']) for i in conf['interfaces']]
    for cable in lab.topo['cables']:
        for me, peer in ((cable['a'], cable['b']), (cable['b'], cable['a'])):
            if me.split(':')[0] == host:
                peer_host, peer_if = peer.split(':')
                for i in lab.topo['hosts'][peer_host]['interfaces']:
                    if i['name'] == peer_if:
                        args.append('--peer=%s' % i['address'].split('/')[0])
    script = os.path.join(HERE, 'baseline.sh')
    try:
        run(['podman', 'cp', image, '%s:/tmp/connectx-target.bin' % name])
        with open(script) as handle:
            run(['podman', 'exec', '-i', name, 'bash', '-s', '1', BDF], stdin=handle)
        dest = os.path.join(WORK, 'baseline-backups', host)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        run(['rm', '-rf', dest])
        run(['podman', 'cp', '%s:/root/connectx-backup' % name, dest])
        run(['sha256sum', '-c', 'SHA256SUMS'], cwd=dest)
        lab.ctl('reboot', host)
        with open(script) as handle:
            run(['podman', 'exec', '-i', name, 'bash', '-s', '2', BDF] + args, stdin=handle)
    except SystemExit as exc:
        errors.append('%s: %s' % (host, exc))


def baseline(lab):
    with open(INVENTORY) as handle:
        image = yaml.safe_load(handle)['all']['vars']['connectx_firmware_image']
    before = lab.counters()
    errors, threads = [], []
    start = time.time()
    for host in sorted(lab.topo['hosts']):
        threads.append(threading.Thread(target=baseline_host, args=(lab, host, image, errors)))
        threads[-1].start()
    for thread in threads:
        thread.join()
    seconds = time.time() - start
    if errors:
        raise SystemExit('bench: baseline failed: %s' % '; '.join(errors))
    result = {'seconds': round(seconds, 1)}
    result.update(delta(before, lab.counters()))
    return result


# ----------------------------------------------------------------------------------- report
def ratio(a, b):
    return round(a / b, 2) if b else None


def summarize(runs):
    by_n = dict((r['hosts'], r) for r in runs)
    first, last = by_n[min(by_n)], by_n[max(by_n)]
    out = {'ratios': {}, 'targets': {}}
    for r in runs:
        r['first_over_baseline'] = ratio(r['first']['seconds'], r['baseline']['seconds'])
        r['rerun_over_first'] = ratio(r['rerun']['seconds'], r['first']['seconds'])
    out['ratios'] = {
        'first_over_baseline': dict((r['hosts'], r['first_over_baseline']) for r in runs),
        'rerun_over_first': dict((r['hosts'], r['rerun_over_first']) for r in runs),
        'largest_over_smallest_first': ratio(last['first']['seconds'], first['first']['seconds']),
        'largest_over_smallest_rerun': ratio(last['rerun']['seconds'], first['rerun']['seconds']),
    }
    out['targets'] = {
        'first converge <= 1.3 x baseline': all(r['first_over_baseline'] <= 1.3 for r in runs),
        'no-change re-run <= 0.25 x first converge': all(r['rerun_over_first'] <= 0.25 for r in runs),
        're-run: 0 changed, 0 flash writes': all(r['rerun']['changed'] == 0 and r['rerun']['flash_writes'] == 0 for r in runs),
        're-run: <= 3 tool calls per card': all(r['rerun']['tool_calls_per_card_max'] <= 3 for r in runs),
        '%d hosts <= 1.5 x %d host wall time' % (last['hosts'], first['hosts']): out['ratios']['largest_over_smallest_first'] <= 1.5,
        # Issue "modules decide, roles sequence": counted per crossflashed host.
        'first run: <= 90 task starts, <= 12 module calls on the host, 1 reboot': all(
            r['first']['task_starts_per_host_max'] <= 90 and r['first']['module_calls_per_host_max'] <= 12
            and r['first']['reboots_per_host_max'] == 1 for r in runs),
        're-run: <= 60 task starts, <= 6 module calls on the host': all(
            r['rerun']['task_starts_per_host_max'] <= 60 and r['rerun']['module_calls_per_host_max'] <= 6 for r in runs),
    }
    return out


def render(results, out):
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(os.path.join(HERE, 'templates')), autoescape=False,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    with open(os.path.join(out, 'results.md'), 'w') as handle:
        handle.write(env.get_template('results.md.j2').render(r=results))
    runs = results['runs']
    top = max(max(x['baseline']['seconds'], x['first']['seconds'], x['rerun']['seconds']) for x in runs)
    with open(os.path.join(out, 'chart.svg'), 'w') as handle:
        handle.write(env.get_template('chart.svg.j2').render(runs=runs, top=top * 1.1 or 1))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--hosts', type=int, nargs='+', default=[1, 2, 4, 8])
    parser.add_argument('--keep-lab', action='store_true', help='leave the last lab up')
    parser.add_argument('--out', default=HERE, help='where results.json, results.md and chart.svg go (default: bench/)')
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        raise SystemExit('bench: the lab needs root')
    runs = []
    lab = None
    try:
        for n in sorted(args.hosts):
            lab = Lab(n)
            log('N=%d: fresh lab, baseline by hand' % n)
            lab.fresh()
            base = baseline(lab)
            log('N=%d: baseline %.1fs; fresh lab, site.yml first converge' % (n, base['seconds']))
            lab.fresh()
            first = site(lab, 'first')
            log('N=%d: first converge %.1fs; re-run' % (n, first['seconds']))
            rerun = site(lab, 'rerun')
            log('N=%d: re-run %.1fs (%d changed)' % (n, rerun['seconds'], rerun['changed']))
            runs.append({'hosts': n, 'baseline': base, 'first': first, 'rerun': rerun})
    finally:
        if lab is not None and not args.keep_lab:
            lab.ctl('down')
    results = {'machine': {'cpus': os.cpu_count(), 'python': platform.python_version(), 'kernel': platform.release()},
               'date': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()), 'runs': runs}
    results.update(summarize(runs))
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, 'results.json'), 'w') as handle:
        json.dump(results, handle, indent=2, sort_keys=True)
        handle.write('\n')
    render(results, args.out)
    print(open(os.path.join(args.out, 'results.md')).read())
    return 0


if __name__ == '__main__':
    sys.exit(main())
