# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared state of the lab's Proxmox VE 8 cluster stand-in: what `pvecm`, `ha-manager`, `qm` and `pct`
(the scripts next to this file) read and change inside a lab host. Standard library only: it runs in the
lab hosts (Debian 12 python3) and on the controller (tests/lab/cluster.py imports it).

State directory: /var/lib/cxlab-cluster in a lab host (CXLAB_CLUSTER_DIR overrides it), the controller's
.cache/lab/cluster/, shared read-write by every lab host:

- cluster.json   the cluster: corosync nodes (votes, node ids, ring0 address), the QDevice, the guests
                 (VMs and containers, the node each is on, running or stopped), the HA resources and the
                 per-node HA maintenance flag. Written whole (temporary file + rename) under the lock.
- cluster.lock   fcntl.flock() lock taken by every stand-in command for its read-modify-write, so two
                 nodes acting at once do not lose an update.
- up/<node>      liveness, owned by each lab host's init (not by cluster.json): created at the end of a
                 boot with the boot id as content, removed when PID 1 gets TERM (a reboot). A node is
                 online while its file exists; the corosync membership is the set of online nodes.

The local node is socket.gethostname() (CXLAB_NODE overrides it), as PVE::INotify::nodename() is.

Every command first reconciles the state with the liveness files (`reconcile`, under the lock):
- a node whose boot id changed since the last look has rebooted: its guests stopped with it (as
  pve-guests.service stops them at shutdown); at boot, guests with onboot and HA resources requested
  `started` run again (new PID), the others stay stopped;
- while the online nodes are quorate (the HA CRM needs quorum), HA resources requested `started` on a node
  in maintenance move to the online, non-maintenance node with the fewest HA services (ties: node name),
  as pve-ha-manager's select_service_node with the `basic` CRS does, and remember the maintenance node;
  they move back as soon as that node is online and out of maintenance. The lab moves them at once and
  they stay running (real HA live-migrates VMs and restart-migrates containers over some seconds).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import contextlib
import fcntl
import json
import os
import re
import socket
import sys
import tempfile
import time

DEFAULT_DIR = '/var/lib/cxlab-cluster'
STATE_FILE = 'cluster.json'
LOCK_FILE = 'cluster.lock'
UP_DIR = 'up'
STATE_FORMAT = 1
FIRST_PID = 2001
COMMANDS = ('pvecm', 'ha-manager', 'qm', 'pct')

# Exit codes. A Perl `die` outside a task exits with errno when it is set, else 255 (perldoc -f die):
# after a failed stat()/ipcc read of a missing file errno is ENOENT (2); where the errno at the die is
# not fixed by the call before it the lab uses 255. A failed task worker exits -1 = 255 ($upid_exit).
RC_ENOENT = 2
RC_DIE = 255

# pve-ha-manager src/PVE/CLI/ha_manager.pm $timestamp_to_status: older than this is "old timestamp - dead?"
LRM_STALE_SECONDS = 30


class StateError(Exception):
    """cluster.json is missing a field or unreadable (a one-line message)."""


# ------------------------------------------------------------------ files

def cluster_dir():
    return os.environ.get('CXLAB_CLUSTER_DIR') or DEFAULT_DIR


def local_node():
    return os.environ.get('CXLAB_NODE') or socket.gethostname().split('.')[0]


def read_state(directory):
    """cluster.json of `directory` as a dict, or None when there is none (a node that is not clustered)."""
    path = os.path.join(directory, STATE_FILE)
    try:
        with open(path) as handle:
            state = json.load(handle)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise StateError('%s: unreadable (%s)' % (path, exc))
    if not isinstance(state, dict) or state.get('format') != STATE_FORMAT:
        raise StateError('%s: not a cluster state of format %d' % (path, STATE_FORMAT))
    return state


def write_state_unlocked(directory, state):
    """Atomic write of cluster.json (temporary file in the same directory, fsync, rename). Callers hold `locked`."""
    data = json.dumps(state, indent=2, sort_keys=True) + '\n'
    fd, tmp = tempfile.mkstemp(prefix='.cluster.json.', dir=directory)
    try:
        with os.fdopen(fd, 'w') as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, os.path.join(directory, STATE_FILE))
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


_HELD = []  # descriptors of the locks this process holds


@contextlib.contextmanager
def locked(directory):
    """Exclusive fcntl lock on <directory>/cluster.lock for a read-modify-write of cluster.json."""
    fd = os.open(os.path.join(directory, LOCK_FILE), os.O_RDWR | os.O_CREAT, 0o666)
    _HELD.append(fd)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        if fd in _HELD:
            _HELD.remove(fd)
            os.close(fd)  # closing the only descriptor releases the flock


def release_early():
    """Give the lock up before a slow failure that changes nothing (the other nodes need not wait);
    the transaction then writes nothing."""
    while _HELD:
        os.close(_HELD.pop())


def boot_id(directory, node):
    """The boot id in up/<node>, None while the node is down ('' while its init is still writing it)."""
    try:
        with open(os.path.join(directory, UP_DIR, node)) as handle:
            return handle.read().strip()
    except (FileNotFoundError, NotADirectoryError):
        return None


def node_online(directory, node):
    return boot_id(directory, node) is not None


def membership_changed_at(directory):
    """When the membership last changed (mtime of up/): the frozen timestamp of whatever stopped updating."""
    try:
        return os.stat(os.path.join(directory, UP_DIR)).st_mtime
    except OSError:
        return 0.0


# ------------------------------------------------------------------ state queries

def cluster_nodes(state):
    return list(state['nodes']) if state else []


def node_entry(state, name):
    for node in cluster_nodes(state):
        if node['name'] == name:
            return node
    return None


def sid_of(guest):
    return '%s:%d' % ('vm' if guest['type'] == 'qemu' else 'ct', guest['vmid'])


def guest_by_vmid(state, vmid):
    for guest in (state or {}).get('guests', []):
        if guest['vmid'] == vmid:
            return guest
    return None


def guest_by_sid(state, sid):
    for guest in (state or {}).get('guests', []):
        if sid_of(guest) == sid:
            return guest
    return None


def ha_resources(state):
    return (state or {}).get('ha', {}).get('resources', {})


def online_nodes(state, directory):
    return set(n['name'] for n in cluster_nodes(state) if node_online(directory, n['name']))


def qdevice_votes(state):
    qdevice = state.get('qdevice') if state else None
    return qdevice['votes'] if qdevice else 0


def votequorum(state, members):
    """corosync votequorum for a partition `members`: expected votes are all node votes + the QDevice's,
    quorum = expected / 2 + 1 (integer division), the QDevice (always up here) casts its votes for the
    partition. Dict: expected, highest, total, quorum, quorate."""
    votes = dict((n['name'], n['votes']) for n in cluster_nodes(state))
    expected = sum(votes.values()) + qdevice_votes(state)
    quorum = expected // 2 + 1
    total = sum(votes[m] for m in members) + (qdevice_votes(state) if members else 0)
    return {'expected': expected, 'highest': expected, 'total': total, 'quorum': quorum, 'quorate': total >= quorum}


class View(object):
    """What the local node sees: is it clustered, is its corosync up, the membership and its quorum."""

    def __init__(self, state, directory, node):
        self.state, self.directory, self.node = state, directory, node
        self.entry = node_entry(state, node)
        self.clustered = self.entry is not None
        self.online = online_nodes(state, directory)
        self.up = node in self.online
        self.members = self.online if self.up else set()
        if self.clustered:
            self.quorum = votequorum(state, self.members)
            self.quorate = self.up and self.quorum['quorate']
        else:
            self.quorum = None
            self.quorate = True  # pmxcfs of a standalone node runs in local mode: always writable


# ------------------------------------------------------------------ reconcile

def _start(state, guest):
    guest['status'] = 'running'
    guest['pid'] = state['next_pid']
    state['next_pid'] += 1


def _stop(guest):
    guest['status'] = 'stopped'
    guest['pid'] = 0


def set_guest_running(state, guest, running):
    if running and guest['status'] != 'running':
        _start(state, guest)
    elif not running:
        _stop(guest)


def _rebooted(state, host):
    resources = ha_resources(state)
    for guest in state['guests']:
        if guest['node'] != host:
            continue
        res = resources.get(sid_of(guest))
        again = res['state'] == 'started' if res else guest.get('onboot', False)
        _stop(guest)
        if again:
            _start(state, guest)


def _move(state, guest, target):
    guest['node'] = target
    if guest['status'] == 'running':
        _start(state, guest)  # a new QEMU / container process on the target


def reconcile(state, directory):
    """Bring `state` up to date with the liveness files (see the module docstring). True when it changed."""
    changed = False
    for host in state.get('pve_hosts', []):
        current = boot_id(directory, host)
        if not current:
            continue
        last = state['boots'].get(host)
        if last != current:
            if last is not None:
                _rebooted(state, host)
            state['boots'][host] = current
            changed = True
    resources = ha_resources(state)
    online = online_nodes(state, directory)
    if not resources or not online or not votequorum(state, online)['quorate']:
        return changed
    ha = state['ha']
    order = [n['name'] for n in sorted(cluster_nodes(state), key=lambda n: n['nodeid'])]
    if ha.get('master') not in online:
        ha['master'] = [n for n in order if n in online][0]
        changed = True
    maintenance = set(n['name'] for n in cluster_nodes(state) if n.get('maintenance'))
    usage = dict((n, 0) for n in order)
    for sid, res in resources.items():
        guest = guest_by_sid(state, sid)
        if res['state'] == 'started' and guest:
            usage[guest['node']] = usage.get(guest['node'], 0) + 1
    targets = [n for n in order if n in online and n not in maintenance]
    for sid in sorted(resources):
        res, guest = resources[sid], guest_by_sid(state, sid)
        if guest is None or res['state'] != 'started':
            continue
        current, fallback = guest['node'], res.get('maintenance_node')
        target = None
        if current in maintenance:
            others = [n for n in targets if n != current]
            if fallback in others:
                target = fallback
            elif others:
                target = sorted(others, key=lambda n: (usage.get(n, 0), n))[0]
            if target and not fallback:
                res['maintenance_node'] = current
        elif fallback and fallback != current and fallback in targets:
            target = fallback
            res['maintenance_node'] = None
        elif fallback and fallback == current:
            res['maintenance_node'] = None
            changed = True
        if target:
            usage[current] -= 1
            usage[target] = usage.get(target, 0) + 1
            _move(state, guest, target)
            changed = True
    return changed


@contextlib.contextmanager
def transaction(directory):
    """Locked read, reconcile, yield the state (None when there is no cluster.json), write back if changed.
    The body marks a change with state['_dirty'] = True."""
    if not os.path.isdir(directory):
        yield None
        return
    with locked(directory):
        try:
            state = read_state(directory)
        except StateError as exc:
            die('cxlab stand-in: %s' % exc)
        if state is None:
            yield None
            return
        dirty = reconcile(state, directory)
        yield state
        dirty = state.pop('_dirty', False) or dirty
        if dirty and _HELD:
            write_state_unlocked(directory, state)


# ------------------------------------------------------------------ CLI helpers (the PVE CLI framework)

def out(text):
    sys.stdout.write(text)
    sys.stdout.flush()


def err(text):
    sys.stderr.write(text)
    sys.stderr.flush()


def die(message, rc=RC_DIE):
    """A Perl `die "message\\n"` reaching the top of a PVE CLI tool: message on stderr, exit code `rc`."""
    err(message if message.endswith('\n') else message + '\n')
    sys.exit(rc)


def task_error(message):
    """A failed fork_worker task in a CLI (pve-common src/PVE/RESTEnvironment.pm $tee_worker): the
    error, newlines made spaces, on stderr; the tool exits -1 = 255 ($upid_exit)."""
    die(' '.join(message.strip().split('\n')), RC_DIE)


def require_root():
    """pve-common src/PVE/RESTEnvironment.pm setup_default_cli_env: 'please run as root'. The pytest
    tests set CXLAB_ALLOW_NONROOT=1 to run the commands as any user."""
    if os.geteuid() != 0 and os.environ.get('CXLAB_ALLOW_NONROOT') != '1':
        die('please run as root')


def not_emulated(argv0, argv):
    """A sub-command the stand-in does not have: a lab message (no real text to imitate), exit 255."""
    die('cxlab stand-in: `%s` is not emulated in the lab (tests/lab/host/pve/%s)' % (' '.join([argv0] + list(argv)), argv0))


_BOOL = {'1': 1, 'true': 1, 'yes': 1, 'on': 1, '0': 0, 'false': 0, 'no': 0, 'off': 0}


def _check(kind, value):
    """JSON schema checks of pve-common src/PVE/JSONSchema.pm (check_type, check_prop) for the kinds used
    here. Returns (value, None) or (None, error text)."""
    if kind == 'boolean':
        if value == '':
            return 1, None
        if value.lower() in _BOOL:
            return _BOOL[value.lower()], None
        return None, "type check ('boolean') failed - got '%s'" % value
    if kind in ('vmid', 'uint'):
        if not re.match(r'^[+-]?\d+$', value):
            return None, "type check ('integer') failed - got '%s'" % value
        if kind == 'vmid' and not re.match(r'^[1-9][0-9]{2,8}$', value):
            return None, 'invalid format - value does not look like a valid VM ID\n'  # pve_verify_vmid die text
        if kind == 'uint' and int(value) < 0:
            return None, 'value must have a minimum value of 0'
        return int(value), None
    return value, None


def parse_cli(prefix, argv, positional, options):
    """PVE::JSONSchema::get_options + validate (pve-common) for a CLI method: Getopt::Long with the prefix
    pattern (--|-), unique abbreviations and ignore_case, positional args in order, then the schema check.
    positional: [(name, kind)], options: {name: kind}. Errors print as PVE::Exception (code 400 + message,
    the field errors, the short usage line of RESTHandler::getopt_usage) and exit 255."""
    usage = '%s %s%s\n' % (prefix, ' '.join('<%s>' % name for name, _kind in positional), ' [OPTIONS]' if options else '')
    opts, args, i = {}, [], 0
    argv = list(argv)
    while i < len(argv):
        arg = argv[i]
        i += 1
        match = re.match(r'^--?([A-Za-z][\w-]*)(?:=(.*))?$', arg)
        if not match:
            args.append(arg)
            continue
        given, value = match.group(1), match.group(2)
        names = [n for n in options if n.lower() == given.lower()] or \
            [n for n in options if n.lower().startswith(given.lower())]
        if len(names) != 1:
            err('Unknown option: %s\n' % given.lower())
            die('400 unable to parse option\n' + usage)
        name = names[0]
        if value is None:
            if options[name] == 'boolean':
                value = ''
                if i < len(argv) and not argv[i].startswith('-'):
                    value, i = argv[i], i + 1
            elif i < len(argv):
                value, i = argv[i], i + 1
            else:
                err('Option %s requires an argument\n' % name)
                die('400 unable to parse option\n' + usage)
        opts[name] = value
    params = {}
    for name, _kind in positional:
        if not args:
            die('400 not enough arguments\n' + usage)
        params[name] = args.pop(0)
    if args:
        die('400 too many arguments\n' + usage)
    kinds = dict(positional)
    kinds.update(options)
    errors = []
    for name, value in list(params.items()) + list(opts.items()):
        checked, problem = _check(kinds[name], value)
        if problem:
            errors.append('%s: %s\n' % (name, problem))
        params[name] = checked
    if errors:
        die('400 Parameter verification failed.\n' + ''.join(errors) + usage)
    return params


def cfs_lock_no_quorum(lockid, write=err):
    """pve-cluster src/PVE/Cluster.pm $cfs_lock without quorum: mkdir of the lock in the read-only /etc/pve
    fails; it retries once a second (a message each time) until the 10 s timeout, then the error, which
    this returns. Seconds: CXLAB_CFS_LOCK_TIMEOUT (default 10, the real one)."""
    release_early()
    timeout = int(os.environ.get('CXLAB_CFS_LOCK_TIMEOUT', '10'))
    while True:
        timeout -= 1
        if timeout <= 0:
            break
        write("trying to acquire cfs lock '%s' ...\n" % lockid)
        time.sleep(1)
    return "cfs-lock '%s' error: no quorum!\n" % lockid


def ha_managed(state, vmid):
    """pve-ha-manager src/PVE/HA/Config.pm vm_is_ha_managed: vm:VMID or ct:VMID is an HA resource."""
    return any('%s:%d' % (kind, vmid) in ha_resources(state) for kind in ('vm', 'ct'))


def ha_request(view, state, sid, want, write=err):
    """What `ha-manager crm-command stop SID T` (want 'stopped') and `ha-manager set SID --state started`
    (want 'started') do, the CRM and the LRM included (at once in the lab): the resource's requested state,
    the guest stopped / started on its node. Messages go to `write`; returns that ha-manager's exit code."""
    resources = ha_resources(state)
    if want == 'stopped' and sid not in resources:
        write("resource '%s' is not HA managed\n" % sid)  # Config.pm service_is_ha_managed
        return RC_DIE
    if not view.quorate:
        write(cfs_lock_no_quorum('domain-ha', write))
        return RC_DIE
    if sid not in resources:
        write("no such resource '%s'\n" % sid)  # Config.pm update_resources_config
        return RC_DIE
    resources[sid]['state'] = want
    guest = guest_by_sid(state, sid)
    set_guest_running(state, guest, want == 'started' and guest['node'] in view.online)
    reconcile(state, view.directory)
    state['_dirty'] = True
    return 0


# ------------------------------------------------------------------ install into a lab host

def install_commands(bindir='/usr/sbin', node=None, directory=None):
    """Link the stand-in commands into `bindir` when this host is a Proxmox host of the lab (listed in
    cluster.json pve_hosts), remove links of ours otherwise. The init runs `python3 .../cxlab_pve.py install`."""
    node = node or local_node()
    directory = directory or cluster_dir()
    state = read_state(directory) if os.path.isdir(directory) else None
    here = os.path.dirname(os.path.realpath(__file__))
    wanted = bool(state) and node in state.get('pve_hosts', [])
    for command in COMMANDS:
        link = os.path.join(bindir, command)
        target = os.path.join(here, command)
        ours = os.path.islink(link) and os.path.realpath(link) == os.path.realpath(target)
        if wanted and not ours:
            if os.path.lexists(link):
                os.unlink(link)
            os.symlink(target, link)
        elif not wanted and ours:
            os.unlink(link)
    return wanted


def main(argv):
    if argv[:1] == ['install']:
        try:
            install_commands(*argv[1:2])
        except (StateError, OSError) as exc:
            err('cxlab_pve.py install: %s\n' % exc)
            return 1
        return 0
    err('usage: cxlab_pve.py install [BINDIR]\n')
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
