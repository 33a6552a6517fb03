# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""make bench: what a user waits for, site.yml side by side with the same work typed by hand, on the lab.

For each timing profile of the lab (CXLAB_TIMING: fast, then realistic) and each N (lab hosts, default 1 2 4 8),
each column on a fresh lab of N Proxmox nodes with MCX354A-QCBT cards (crossflashed to FCBT, cabled in pairs at 40G):
  1. by hand: bench/baseline.sh over SSH as a user types it: phase 1 (tools, discovery, backup fetched to the
     controller and checked, burn, ports) on every node at once, then `ssh node reboot` one node at a time, each
     waited for until SSH answers with a new boot id (as site.yml reboots one node at a time for the cluster's
     quorum), then phase 2 (driver, interfaces, link check) on every node at once;
  2. site.yml, the first converge, over the lab's SSH (pipelining, ControlPersist);
  3. site.yml again with nothing to do.
With the fast profile, at the smallest and the largest N, 2 and 3 again over podman exec (containers.podman.podman,
a derived inventory in .cache/bench), so that the cost of the connection shows.

Measured per run: wall time, the time waiting for reboots apart from the rest, the changed count, per host task starts,
module calls and reboots (bench/callback_plugins/connectx_counts.py), per card tool calls and flash writes (the
emulated cards' counters), peak controller memory, controller CPU (ansible-playbook and every process it waited for,
plus the SSH connection masters it leaves behind), the hosts' CPU (the containers' cgroup parent), the machine's busy
CPU, and the whole ansible.posix.profile_tasks list. bench/report.py turns that into results.md and chart.svg.

Usage: python3 bench/run.py [--hosts 1 2 4 8] [--profiles fast realistic] [--podman-hosts N... | none] [--keep-lab]
                            [--out DIR]
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import argparse
import copy
import json
import os
import platform
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
LAB = os.path.join(REPO, 'tests', 'lab')
LABCTL = os.path.join(LAB, 'labctl.py')
CARDCTL = os.path.join(LAB, 'emulator', 'cardctl.py')
STATE = os.path.join(REPO, '.cache', 'lab')
WORK = os.path.join(REPO, '.cache', 'bench')
INVENTORY = os.path.join(STATE, 'inventory.yml')
PLAYBOOK = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
BDF = '0000:03:00.0'
TOOLS = ('mstflint', 'mstconfig', 'mstvpd', 'lspci')
BOOT_ID = '/proc/sys/kernel/random/boot_id'
sys.path.insert(0, HERE)
import report  # noqa: E402  pylint: disable=wrong-import-position


class BenchError(Exception):
    """A step of the benchmark failed: one message, the run stops (the lab is taken down)."""


class Timeout(BenchError):
    """A command did not end in time."""


def log(msg):
    sys.stderr.write('bench: %s\n' % msg)
    sys.stderr.flush()


def run(argv, check=True, timeout=None, **kw):
    """argv to its end, its output captured; stdin is /dev/null unless given (ssh would read the terminal)."""
    if 'stdin' not in kw and 'input' not in kw:
        kw['stdin'] = subprocess.DEVNULL
    try:
        res = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=timeout, **kw)
    except subprocess.TimeoutExpired:
        raise Timeout('%s did not end within %s s' % (' '.join(argv), timeout))
    if check and res.returncode != 0:
        raise BenchError('%s failed (rc %s)\n%s\n%s' % (' '.join(argv), res.returncode, res.stdout[-3000:], res.stderr[-3000:]))
    return res


def podman_env():
    """podman as labctl runs it (its containers.conf: runc and the lab's ulimits)."""
    return dict(os.environ, CONTAINERS_CONF=os.path.join(STATE, 'containers.conf'))


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


def baseline_args(topo, host):
    """The arguments of baseline.sh phase 2 for one host: IFACE=ADDRESS per configured port, --peer=ADDRESS per cable end."""
    args = ['%s=%s' % (i['name'], i['address']) for i in topo['hosts'][host]['interfaces']]
    for cable in topo['cables']:
        for me, peer in ((cable['a'], cable['b']), (cable['b'], cable['a'])):
            if me.split(':')[0] == host:
                peer_host, peer_if = peer.split(':')
                for conf in topo['hosts'][peer_host]['interfaces']:
                    if conf['name'] == peer_if:
                        args.append('--peer=%s' % conf['address'].split('/')[0])
    return args


def inventory_hosts(inventory):
    """{host: (group, hostvars)} of an inventory as labctl writes it (groups under all.children, nested)."""
    out = {}

    def walk(name, group):
        members = (group or {}).get('hosts') or {}
        for host in members:
            if members[host] is None:
                members[host] = {}
            out[host] = (name, members[host])
        for child, sub in ((group or {}).get('children') or {}).items():
            walk(child, sub)

    walk('all', inventory.get('all'))
    return out


# What a podman exec connection needs from the inventory: the reboot returns at once (PID 1 exits a second later, so
# ansible.builtin.reboot does not see its exec session die under it), and the boot is over when the init wrote
# /run/boot_id (podman exec answers as soon as the container runs, before the init is done).
PODMAN_REBOOT_COMMAND = "sh -c '(sleep 1; kill -TERM 1) >/dev/null 2>&1 &'"
PODMAN_BOOT_TIME_COMMAND = 'cat /run/boot_id'


def podman_inventory(inventory, prefix='cxlab'):
    """The lab inventory over podman exec: the same groups and variables, ansible_connection containers.podman.podman
    to the container cxlab-<host>, no SSH settings, no login user or become (podman exec runs as root). No SSH session
    means the roles see the management path by the default route only: connectx_management_interface names it
    (vmbr0 on a Proxmox node, mgmt0 on another host) unless the inventory names one already."""
    out = copy.deepcopy(inventory)
    for host, (group, hostvars) in inventory_hosts(out).items():
        for key in list(hostvars):
            if key.startswith('ansible_ssh_') or key in ('ansible_user', 'ansible_become', 'ansible_port', 'ansible_private_key_file'):
                del hostvars[key]
        hostvars['ansible_connection'] = 'containers.podman.podman'
        hostvars['ansible_host'] = '%s-%s' % (prefix, host)
        hostvars['connectx_reboot_command'] = PODMAN_REBOOT_COMMAND
        hostvars['connectx_boot_time_command'] = PODMAN_BOOT_TIME_COMMAND
        hostvars.setdefault('connectx_management_interface', 'vmbr0' if group == 'proxmox' else 'mgmt0')
    return out


class Lab(object):
    """The lab of one N and one timing profile, through labctl (CXLAB_TIMING in its environment)."""

    def __init__(self, n, profile):
        self.n, self.profile = n, profile
        self.topo = topology(n)
        self.env = dict(os.environ, CXLAB_TIMING=profile)
        os.makedirs(WORK, exist_ok=True)
        self.path = os.path.join(WORK, 'topology-%d.yml' % n)
        with open(self.path, 'w') as handle:
            yaml.safe_dump(self.topo, handle, sort_keys=False)
        self.inventory, self.cgroup = None, None

    def ctl(self, *args):
        return run([sys.executable, LABCTL, '--topology', self.path] + list(args), env=self.env, timeout=1800)

    def fresh(self):
        self.ctl('down')
        self.ctl('up')
        with open(INVENTORY) as handle:
            self.inventory = yaml.safe_load(handle)
        self.cgroup = self.find_cgroup()

    def hostvars(self, host):
        return inventory_hosts(self.inventory)[host][1]

    def find_cgroup(self):
        """Where the containers' CPU time is counted (report.cgroup_usage_source), from one container's PID 1."""
        host = sorted(self.topo['hosts'])[0]
        res = run(['podman', 'inspect', '--format', '{{.State.Pid}}', 'cxlab-%s' % host], check=False, env=podman_env())
        try:
            with open('/proc/%d/cgroup' % int(res.stdout.strip())) as handle:
                found = report.cgroup_usage_source(handle.read())
        except (IOError, OSError, ValueError):
            found = None
        if found is None:
            log('the containers\' cgroup was not found: no host CPU figures')
        return found

    def counters(self):
        """{host: counters of its card} (cumulative since the card was made)."""
        out = {}
        for host in self.topo['hosts']:
            root = os.path.join(STATE, 'hosts', host, 'fakemlx')
            out[host] = json.loads(run([sys.executable, CARDCTL, '--root', root, 'show']).stdout)[BDF]['counters']
        return out


def card_delta(before, after):
    """Per host and over the hosts: tool invocations per card (processes that opened it), flash writes (page programs)."""
    cards = {}
    for host in sorted(after):
        d = dict((k, after[host][k] - before[host].get(k, 0)) for k in after[host])
        cards[host] = {'tool_calls': sum(d['opens_' + t] for t in TOOLS), 'card_opens': d['tool_opens'],
                       'tool_calls_by_tool': dict((t, d['opens_' + t]) for t in TOOLS),
                       'flash_writes': d['flash_program_ops'], 'flash_erases': d['flash_erase_ops']}
    calls = [c['tool_calls'] for c in cards.values()]
    return {'cards': cards, 'tool_calls_per_card_max': max(calls), 'tool_calls_per_card_mean': round(sum(calls) / len(calls), 1),
            'tool_calls_per_card_by_tool': dict((t, max(c['tool_calls_by_tool'][t] for c in cards.values())) for t in TOOLS),
            'card_opens_per_card_max': max(c['card_opens'] for c in cards.values()),
            'flash_writes': sum(c['flash_writes'] for c in cards.values())}


# --------------------------------------------------------------------------------- measuring
def read(path):
    with open(path) as handle:
        return handle.read()


def cpu_snapshot(lab):
    """Cumulative CPU seconds now: the bench's waited-for descendants, the containers (and podman's conmon), the machine."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    snap = {'controller': usage.ru_utime + usage.ru_stime, 'hosts': None, 'monitor': None, 'busy': None}
    tick = float(os.sysconf('SC_CLK_TCK'))
    try:
        snap['busy'] = report.proc_stat_busy(read('/proc/stat'))[0] / tick
    except (IOError, OSError, ValueError):
        pass
    source = lab.cgroup
    if source:
        for key, path in (('hosts', source['usage']), ('monitor', source.get('monitor'))):
            try:
                snap[key] = report.cgroup_seconds(read(path), source['unit']) if path else None
            except (IOError, OSError, ValueError):
                snap[key] = None
    return snap


def processes():
    """{pid: (ppid, comm, rss bytes, cpu ticks)} of every process now."""
    out = {}
    page = os.sysconf('SC_PAGE_SIZE')
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            text = read('/proc/%s/stat' % entry)
            comm = text[text.index('(') + 1:text.rindex(')')]
            fields = text.rsplit(')', 1)[1].split()
            out[int(entry)] = (int(fields[1]), comm, int(fields[21]) * page, report.stat_cpu_ticks(text))
        except (IOError, OSError, IndexError, ValueError):
            continue
    return out


def masters(procs, control_dir):
    """The SSH connection masters (ControlPersist) of one run: ssh processes whose command line names its control dir."""
    found = []
    for pid, (_ppid, comm, _rss, _ticks) in procs.items():
        if comm != 'ssh' or not control_dir:
            continue
        try:
            cmdline = read('/proc/%d/cmdline' % pid)
        except (IOError, OSError):
            continue
        if control_dir in cmdline:
            found.append(pid)
    return found


class PeakRss(threading.Thread):
    """Largest sum of RSS (MiB) over ansible-playbook, its descendants and its SSH connection masters, every 0.25 s."""

    def __init__(self, pid, control_dir=None):
        threading.Thread.__init__(self)
        self.daemon = True
        self.pid, self.control_dir, self.peak, self.done = pid, control_dir, 0.0, threading.Event()

    def sample(self):
        procs = processes()
        tree, grew = {self.pid}, True
        while grew:
            more = set(p for p, info in procs.items() if info[0] in tree) - tree
            grew = bool(more)
            tree |= more
        tree |= set(masters(procs, self.control_dir))
        return sum(procs[p][2] for p in tree if p in procs) / 1048576.0

    def run(self):
        while not self.done.is_set():
            self.peak = max(self.peak, self.sample())
            time.sleep(0.25)


def stop_masters(control_dir):
    """CPU seconds of the run's SSH connection masters, read before they are asked to exit (ssh -O exit on each
    socket): the next run starts without a warm connection, as a user's run a few minutes later does."""
    procs = processes()
    pids = masters(procs, control_dir)
    seconds = sum(procs[p][3] for p in pids) / float(os.sysconf('SC_CLK_TCK'))
    for name in sorted(os.listdir(control_dir)) if os.path.isdir(control_dir) else []:
        run(['ssh', '-o', 'ControlPath=%s' % os.path.join(control_dir, name), '-O', 'exit', 'bench'], check=False, timeout=10)
    shutil.rmtree(control_dir, ignore_errors=True)
    return round(seconds, 2)


def site(lab, label, inventory=INVENTORY, connection='ssh'):
    """site.yml once on the lab, measured."""
    tag = '%s-%d-%s-%s' % (lab.profile, lab.n, connection, label)
    control_dir = tempfile.mkdtemp(prefix='cxbench-cp-')
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, 'ansible.cfg'), ANSIBLE_FORCE_COLOR='0', ANSIBLE_NOCOLOR='1',
               LC_ALL='C.UTF-8', ANSIBLE_CALLBACKS_ENABLED='ansible.posix.profile_tasks,connectx_counts',
               PROFILE_TASKS_TASK_OUTPUT_LIMIT='all', PROFILE_TASKS_SORT_ORDER='descending',
               ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, 'callback_plugins'),
               CONNECTX_COUNTS_FILE=os.path.join(WORK, 'counts-%s.json' % tag), ANSIBLE_SSH_CONTROL_PATH_DIR=control_dir,
               CONTAINERS_CONF=os.path.join(STATE, 'containers.conf'), ANSIBLE_FORKS=str(max(lab.n, 5)))
    argv = [PLAYBOOK, '-i', inventory, os.path.join(REPO, 'playbooks', 'site.yml')]
    if os.path.exists(env['CONNECTX_COUNTS_FILE']):
        os.unlink(env['CONNECTX_COUNTS_FILE'])
    before = lab.counters()
    cpu_before = cpu_snapshot(lab)
    start = time.time()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=REPO)
    meter = PeakRss(proc.pid, control_dir)
    meter.start()
    output = proc.communicate()[0]
    seconds = time.time() - start
    meter.done.set()
    meter.join()
    cpu_after = cpu_snapshot(lab)
    cpu_after['masters'] = stop_masters(control_dir)
    log_path = os.path.join(WORK, 'site-%s.log' % tag)
    with open(log_path, 'w') as handle:
        handle.write(output)
    counts = report.recap(output)
    if proc.returncode != 0 or not counts or not os.path.exists(env['CONNECTX_COUNTS_FILE']):
        raise BenchError('site.yml (%s) failed, rc %s; see %s' % (tag, proc.returncode, log_path))
    with open(env['CONNECTX_COUNTS_FILE']) as handle:
        costs = json.load(handle)
    tasks = report.profile_tasks(output)
    wait, rest = report.split_wait(seconds, report.reboot_intervals(costs))
    result = {'seconds': round(seconds, 1), 'reboot_wait_s': wait, 'rest_s': rest,
              'changed': sum(c.get('changed', 0) for c in counts.values()),
              'failed': sum(c.get('failed', 0) + c.get('unreachable', 0) for c in counts.values()),
              'peak_controller_mib': round(meter.peak, 1), 'profile_tasks': tasks, 'slowest_tasks': report.slowest(tasks),
              'cpu': report.cpu_delta(cpu_before, cpu_after, seconds, os.cpu_count()),
              # Per host (bench/callback_plugins/connectx_counts.py), and the largest over the hosts.
              'per_host': costs,
              'task_starts_per_host_max': max(c['task_starts'] for c in costs.values()),
              'module_calls_per_host_max': max(c['module_calls'] for c in costs.values()),
              'module_executions_per_host_max': max(c['module_executions'] for c in costs.values()),
              'reboots_per_host_max': max(c['reboots'] for c in costs.values())}
    result.update(card_delta(before, lab.counters()))
    return result


# ----------------------------------------------------------------------------- by hand, over SSH
def ssh_options(hostvars):
    """ssh/scp options for a host as the lab inventory gives them: key, port, the common and extra args (known_hosts
    checked), never a prompt."""
    opts = []
    key = hostvars.get('ansible_ssh_private_key_file') or hostvars.get('ansible_private_key_file')
    if key:
        opts += ['-i', key]
    port = hostvars.get('ansible_port') or hostvars.get('ansible_ssh_port')
    if port:
        opts += ['-o', 'Port=%s' % port]
    opts += shlex.split(hostvars.get('ansible_ssh_common_args') or '') + shlex.split(hostvars.get('ansible_ssh_extra_args') or '')
    return opts + ['-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5']


class Node(object):
    """One lab host as a user reaches it: ssh/scp to its management address with the lab's key and known_hosts; a
    login other than root runs the commands with sudo."""

    def __init__(self, name, hostvars):
        self.name = name
        self.user = hostvars.get('ansible_user', 'root')
        self.target = '%s@%s' % (self.user, hostvars['ansible_host'])
        self.options = ssh_options(hostvars)
        self.sudo = [] if self.user == 'root' else ['sudo', '-n']

    def ssh_argv(self, argv, first=()):
        """ssh running argv on the node (as root); `first` options come first (ssh keeps the first value of an option)."""
        return ['ssh'] + list(first) + self.options + [self.target, ' '.join(shlex.quote(a) for a in self.sudo + list(argv))]

    def ssh(self, argv, check=True, timeout=1800, first=(), **kw):
        return run(self.ssh_argv(argv, first), check=check, timeout=timeout, **kw)

    def put(self, local, remote):
        run(['scp', '-q'] + self.options + [local, '%s:%s' % (self.target, remote)], timeout=600)

    def fetch_dir(self, remote, local):
        """A directory of root's from the node into local (created): scp -r, or tar through sudo for another login."""
        shutil.rmtree(local, ignore_errors=True)
        os.makedirs(os.path.dirname(local), exist_ok=True)
        if not self.sudo:
            run(['scp', '-q', '-r'] + self.options + ['%s:%s' % (self.target, remote), local], timeout=600)
            return
        os.makedirs(local)
        with tempfile.TemporaryFile() as tarball:
            res = subprocess.run(self.ssh_argv(['tar', '-C', os.path.dirname(remote), '-cf', '-', os.path.basename(remote)]),
                                 stdin=subprocess.DEVNULL, stdout=tarball, stderr=subprocess.PIPE, check=False, timeout=600)
            if res.returncode != 0:
                raise BenchError('%s: fetching %s failed: %s' % (self.name, remote, res.stderr.decode(errors='replace')[-500:]))
            tarball.seek(0)
            run(['tar', '-xf', '-', '-C', local, '--strip-components=1'], stdin=tarball)

    def boot_id(self, check=True):
        """The node's boot id over SSH; None when it does not answer (check=False: a node going down or booting)."""
        try:
            res = self.ssh(['cat', BOOT_ID], check=check, timeout=10,
                           first=('-o', 'ConnectTimeout=2', '-o', 'ServerAliveInterval=2', '-o', 'ServerAliveCountMax=2'))
        except Timeout:
            if check:
                raise
            return None
        return res.stdout.strip() if res.returncode == 0 else None

    def reboot(self, timeout):
        """`reboot` over SSH, then SSH every second until the node answers with a new boot id: (start, end) of the wait.
        The session of `reboot` drops with the node (ssh returns 255, or 0 when the exit status made it out first);
        the wait does not hang on it: it runs beside the polling and is reaped after."""
        old = self.boot_id()
        start = time.time()
        session = subprocess.Popen(self.ssh_argv(['reboot'], first=('-o', 'ServerAliveInterval=2', '-o', 'ServerAliveCountMax=3')),
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            while True:
                new = self.boot_id(check=False)
                if new and new != old:
                    end = time.time()
                    break
                if session.poll() not in (None, 0, 255):
                    raise BenchError('%s: reboot failed (rc %d): %s' % (self.name, session.returncode, session.stderr.read()[-500:]))
                if time.time() - start > timeout:
                    raise BenchError('%s did not answer with a new boot id within %d s of its reboot' % (self.name, timeout))
                time.sleep(1)
        finally:
            try:
                session.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                session.kill()
                session.communicate()
        return start, end


def in_parallel(fn, names):
    """fn(name) for every name at once, in threads; every failure is reported."""
    errors, threads = [], []

    def one(name):
        try:
            fn(name)
        except BenchError as exc:
            errors.append('%s: %s' % (name, exc))

    for name in names:
        threads.append(threading.Thread(target=one, args=(name,)))
        threads[-1].start()
    for thread in threads:
        thread.join()
    if errors:
        raise BenchError('; '.join(errors))


def baseline(lab, boot_delay):
    """bench/baseline.sh by hand over SSH: phase 1 everywhere at once, one reboot at a time, phase 2 everywhere at once."""
    image = lab.inventory['all']['vars']['connectx_firmware_image']
    names = sorted(lab.topo['hosts'])
    nodes = dict((h, Node(h, lab.hostvars(h))) for h in names)
    script = os.path.join(HERE, 'baseline.sh')
    backups = os.path.join(WORK, 'baseline-backups', '%s-%d' % (lab.profile, lab.n))

    def phase1(host):
        node = nodes[host]
        node.put(image, '/tmp/connectx-target.bin')
        with open(script) as handle:
            node.ssh(['bash', '-s', '1', BDF], stdin=handle)
        dest = os.path.join(backups, host)
        node.fetch_dir('/root/connectx-backup', dest)
        run(['sha256sum', '--quiet', '-c', 'SHA256SUMS'], cwd=dest)

    def phase2(host):
        with open(script) as handle:
            nodes[host].ssh(['bash', '-s', '2', BDF] + baseline_args(lab.topo, host), stdin=handle)

    before = lab.counters()
    cpu_before = cpu_snapshot(lab)
    start = time.time()
    in_parallel(phase1, names)
    t1 = time.time()
    waits = {}
    for host in names:
        waits[host] = nodes[host].reboot(timeout=300 + boot_delay)
    t2 = time.time()
    in_parallel(phase2, names)
    seconds = time.time() - start
    cpu_after = cpu_snapshot(lab)
    wait, rest = report.split_wait(seconds, list(waits.values()))
    result = {'seconds': round(seconds, 1), 'reboot_wait_s': wait, 'rest_s': rest,
              'phases': [['phase 1', round(t1 - start, 1)], ['reboots', round(t2 - t1, 1)], ['phase 2', round(time.time() - t2, 1)]],
              'cpu': report.cpu_delta(cpu_before, cpu_after, seconds, os.cpu_count()),
              'per_host': dict((h, {'reboots': 1, 'reboot_wait_s': round(waits[h][1] - waits[h][0], 1)}) for h in names)}
    result.update(card_delta(before, lab.counters()))
    return result


# ----------------------------------------------------------------------------------- driver
def timing(profiles):
    """Each profile's figures as labctl applies them (its TIMING, CXLAB_BOOT_DELAY overriding the boot delay)."""
    sys.path.insert(0, LAB)
    import labctl  # pylint: disable=import-outside-toplevel,import-error
    out = {}
    for name in profiles:
        profile = copy.deepcopy(labctl.TIMING[name])
        if os.environ.get('CXLAB_BOOT_DELAY'):
            profile['boot_delay'] = int(os.environ['CXLAB_BOOT_DELAY'])
        out[name] = profile
    return out


def mitogen_note():
    """Why there is no Mitogen column (it is not installed from the project's pinned files)."""
    try:
        import mitogen  # pylint: disable=import-outside-toplevel,import-error,unused-import
        found = 'mitogen %s is importable here, ' % '.'.join(str(v) for v in getattr(mitogen, '__version__', ('?',)))
    except ImportError:
        found = ''
    return {'measured': False, 'reason': (
        'not measured: %smitogen is not in the project\'s pinned requirements (requirements*.txt, constraints.txt; make '
        'installs nothing else), and the collection\'s action plugins (mlx_firmware, node_reboot, which runs '
        'ansible.builtin.reboot\'s action on the task\'s connection) have not been run with its strategy and '
        'connection; a column for it would need both first' % found)}


def ansible_core_version():
    try:
        from importlib import metadata  # pylint: disable=import-outside-toplevel
        return metadata.version('ansible-core')
    except Exception:  # pylint: disable=broad-except
        return None


def write_results(results, out):
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, 'results.json'), 'w') as handle:
        json.dump(results, handle, indent=2, sort_keys=True)
        handle.write('\n')


def podman_hosts(value, hosts):
    """The N of the podman exec column: the smallest and the largest N by default, none for 'none'."""
    if value is None:
        return sorted(set([min(hosts), max(hosts)]))
    if [v.lower() for v in value] == ['none'] or not value:
        return []
    try:
        return sorted(set(int(v) for v in value) & set(hosts))
    except ValueError:
        raise SystemExit('bench: --podman-hosts takes numbers of hosts or none, got %s' % ' '.join(value))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--hosts', type=int, nargs='+', default=[1, 2, 4, 8])
    parser.add_argument('--profiles', nargs='+', default=list(report.PROFILES), choices=report.PROFILES)
    parser.add_argument('--podman-hosts', nargs='*', default=None,
                        help='N to measure over podman exec too (fast profile); default: the smallest and the largest; none')
    parser.add_argument('--keep-lab', action='store_true', help='leave the last lab up')
    parser.add_argument('--out', default=HERE, help='where results.json, results.md and chart.svg go (default: bench/)')
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        raise SystemExit('bench: the lab needs root')
    hosts = sorted(set(args.hosts))
    profiles = [p for p in report.PROFILES if p in args.profiles]
    over_podman = podman_hosts(args.podman_hosts, hosts) if 'fast' in profiles else []
    results = {'machine': {'cpus': os.cpu_count(), 'python': platform.python_version(), 'kernel': platform.release(),
                           'ansible_core': ansible_core_version()},
               'date': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()), 'hosts': hosts, 'profiles': profiles,
               'podman_hosts': over_podman, 'timing': timing(profiles), 'runs': [], 'podman': [], 'mitogen': mitogen_note()}
    began = time.time()
    lab = None
    try:
        for profile in profiles:
            boot_delay = results['timing'][profile]['boot_delay']
            for n in hosts:
                lab = Lab(n, profile)
                log('%s N=%d: fresh lab, by hand over SSH' % (profile, n))
                lab.fresh()
                base = baseline(lab, boot_delay)
                log('%s N=%d: by hand %.1fs (reboot wait %.1fs); fresh lab, site.yml first converge'
                    % (profile, n, base['seconds'], base['reboot_wait_s']))
                lab.fresh()
                first = site(lab, 'first')
                log('%s N=%d: first converge %.1fs (reboot wait %.1fs); re-run' % (profile, n, first['seconds'], first['reboot_wait_s']))
                rerun = site(lab, 'rerun')
                log('%s N=%d: re-run %.1fs (%d changed)' % (profile, n, rerun['seconds'], rerun['changed']))
                results['runs'].append({'profile': profile, 'hosts': n, 'connection': 'ssh', 'baseline': base, 'first': first,
                                        'rerun': rerun})
                if profile == 'fast' and n in over_podman:
                    log('%s N=%d: fresh lab, site.yml over podman exec' % (profile, n))
                    lab.fresh()
                    path = os.path.join(WORK, 'inventory-podman.yml')
                    with open(path, 'w') as handle:
                        handle.write('# Written by bench/run.py from the lab inventory: the same hosts over podman exec.\n')
                        yaml.safe_dump(podman_inventory(lab.inventory), handle, sort_keys=False, default_flow_style=False)
                    pfirst = site(lab, 'first', path, 'podman')
                    prerun = site(lab, 'rerun', path, 'podman')
                    log('%s N=%d: podman exec first %.1fs, re-run %.1fs' % (profile, n, pfirst['seconds'], prerun['seconds']))
                    results['podman'].append({'profile': profile, 'hosts': n, 'connection': 'podman exec', 'first': pfirst,
                                              'rerun': prerun})
    except BenchError as exc:
        results['bench_seconds'] = round(time.time() - began, 1)
        write_results(results, WORK)
        raise SystemExit('bench: %s\n(what was measured so far: %s)' % (exc, os.path.join(WORK, 'results.json')))
    finally:
        if lab is not None and not args.keep_lab:
            try:
                lab.ctl('down')
            except BenchError as exc:
                log('taking the lab down failed: %s' % exc)
    results['bench_seconds'] = round(time.time() - began, 1)
    report.summarize(results)
    write_results(results, args.out)
    report.render(results, args.out)
    print(read(os.path.join(args.out, 'results.md')))
    return 0


if __name__ == '__main__':
    sys.exit(main())
