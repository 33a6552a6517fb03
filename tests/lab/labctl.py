# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The built-in lab: homelab hosts as podman containers with emulated ConnectX-3 cards, cabled at 40/56G.

    python3 tests/lab/labctl.py up | down | status | reboot HOST | unplug CABLE | plug CABLE |
                                swap HOST PORT_A PORT_B | fault HOST NAME=VALUE... | inventory | wire

`wire` builds everything but the containers (image, ports, cables, cards, inventory): molecule's podman
driver then starts the containers itself from the platforms of extensions/molecule/*/molecule.yml, on the
image tagged localhost/cxlab-host:lab and in the network namespaces made here.

Layout (everything named cxlab-*, state under .cache/lab/):
- each host has a named network namespace cxlab-<host> that outlives its container, so a "reboot"
  (kill -TERM 1 in the container; podman --restart=always starts it again) keeps its ports and cables;
- in it: mgmt0 (management, a veth into the host bridge cxlab0, never touched by the roles; on a Proxmox
  host the port of the bridge vmbr0 that holds the address and the default route, as the installer sets it up) and one TAP
  per card port (ens1, ens1d1) set to the speed the cable trains at with ethtool -s (trained_speed: a 56G
  cable without a Mellanox FDR module comes up at 40G);
- a cable is a relay process (tests/lab/relay.py) holding both TAPs: carrier while it runs;
- the card emulator's state (flash, NV config, VPD, module state) is .cache/lab/hosts/<host>/fakemlx,
  mounted at /var/lib/fakemlx; the real mstflint tools see it through /etc/ld.so.preload.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import argparse
import hashlib
import ipaddress
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import yaml

LAB = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(LAB))
STATE = os.path.join(REPO, '.cache', 'lab')
EMU = os.path.join(LAB, 'emulator')
HOST_RECIPE = os.path.join(LAB, 'host')
PREFIX = 'cxlab'
BRIDGE = 'cxlab0'
MIRROR = os.environ.get('CXLAB_MIRROR', 'http://deb.debian.org/debian')
LINK_DELAY = os.environ.get('CXLAB_LINK_DELAY', '3')
sys.path.insert(0, os.path.join(LAB, 'firmware'))
sys.path.insert(0, LAB)
sys.path.insert(0, EMU)
import build_image  # noqa: E402  pylint: disable=wrong-import-position,import-error
import cardctl as emulated_cards  # noqa: E402  pylint: disable=wrong-import-position,import-error
import cluster  # noqa: E402  pylint: disable=wrong-import-position,import-error
import mirror  # noqa: E402  pylint: disable=wrong-import-position,import-error

# The Debian release of a host's image (topology ``os``): Proxmox VE 8 is Debian 12 "bookworm", Proxmox VE 9 is Debian 13
# "trixie" (what a homelab installs since August 2025: its mstflint 4.31 does not handle ConnectX-3).
OS_SUITES = {'pve8': 'bookworm', 'pve9': 'trixie'}


def host_suite(host):
    return OS_SUITES[host.get('os', 'pve8')]


# NVIDIA's file name of the target image (psid table fixture notes): what a user downloads.
IMAGE_NAMES = {'MCX354A-FCBT': 'fw-ConnectX3-rel-2_42_5000-MCX354A-FCB_A2-A5-FlexBoot-3.4.752.bin'}


class LabError(Exception):
    """A one-line, user-facing error."""


def log(msg):
    print('lab: %s' % msg, file=sys.stderr)


def run(argv, check=True, env=None, capture=True, timeout=600):
    full = dict(os.environ, LC_ALL='C')
    full.update(env or {})
    res = subprocess.run(argv, env=full, capture_output=capture, text=True, timeout=timeout, check=False)
    if check and res.returncode != 0:
        raise LabError('%s failed (rc %d): %s' % (' '.join(argv), res.returncode, (res.stderr or res.stdout or '').strip()[-500:]))
    return res


def podman(*args, **kw):
    return run(['podman'] + list(args), env={'CONTAINERS_CONF': containers_conf()}, **kw)


def containers_conf():
    path = os.path.join(STATE, 'containers.conf')
    if not os.path.exists(path):
        os.makedirs(STATE, exist_ok=True)
        import resource  # pylint: disable=import-outside-toplevel
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        nofile = min(hard if hard > 0 else 1024, 65536)
        with open(path, 'w') as handle:
            # runc (crun fails here); nproc too, else runc: "error setting rlimit type 6" (design.md).
            handle.write('[engine]\nruntime = "runc"\n\n[containers]\ndefault_ulimits = ["nofile=%d:%d", "nproc=4096:4096"]\n'
                         % (nofile, nofile))
    return path


# ------------------------------------------------------------------ topology

def load_topology(path):
    """The topology, checked: a LabError naming the field for anything wrong."""
    try:
        with open(path) as handle:
            topo = yaml.safe_load(handle)
    except (IOError, OSError) as exc:
        raise LabError('topology %s: cannot read it (%s)' % (path, exc.strerror))
    except yaml.YAMLError as exc:
        raise LabError('topology %s: not valid YAML (%s)' % (path, str(exc).splitlines()[0]))
    if not isinstance(topo, dict) or not isinstance(topo.get('hosts'), dict) or not topo['hosts']:
        raise LabError('topology %s: field "hosts" must be a mapping of host names' % path)
    try:
        net = management_net(topo)
    except ValueError:
        raise LabError('topology: field "management_subnet" must be an IPv4 network, got %r' % topo.get('management_subnet'))
    if not ipaddress.ip_network('198.18.0.0/15').supernet_of(net):
        raise LabError('topology: field "management_subnet" must be inside 198.18.0.0/15 (benchmark range), got %s' % net)
    presets = set(build_image.PRESETS)
    if topo.get('target_image') not in presets:
        raise LabError('topology: field "target_image" must be one of %s, got %r' % (', '.join(sorted(presets)), topo.get('target_image')))
    ports = {}
    for name, host in topo['hosts'].items():
        where = 'topology: hosts.%s' % name
        if not re.match(r'^[a-z][a-z0-9-]{0,15}$', str(name)):
            raise LabError('%s: host name must be lower-case letters, digits, dashes (max 16)' % where)
        if not isinstance(host, dict):
            raise LabError('%s: must be a mapping' % where)
        if host.get('group') not in ('proxmox', 'linux_hosts'):
            raise LabError('%s.group: must be proxmox or linux_hosts, got %r' % (where, host.get('group')))
        try:
            ipaddress.ip_address(str(host.get('management')))
        except ValueError:
            raise LabError('%s.management: not an IP address: %r' % (where, host.get('management')))
        if ipaddress.ip_address(str(host['management'])) not in net:
            raise LabError('%s.management: %s is not in management_subnet %s' % (where, host['management'], net))
        if host.get('os', 'pve8') not in OS_SUITES:
            raise LabError('%s.os: must be one of %s, got %r' % (where, ', '.join(sorted(OS_SUITES)), host.get('os')))
        if not re.match(r'^[a-z_][a-z0-9_-]{0,31}$', str(host.get('login', 'root'))):
            raise LabError('%s.login: not a user name: %r' % (where, host.get('login')))
        extra = host.get('vars', {})
        if not isinstance(extra, dict) or any(not re.match(r'^connectx_[a-z0-9_]+$', str(k)) for k in extra):
            raise LabError('%s.vars: must map connectx_* variable names to values, got %r' % (where, extra))
        cards = host.get('cards')
        if not isinstance(cards, list) or not cards:
            raise LabError('%s.cards: must be a non-empty list' % where)
        for i, card in enumerate(cards):
            cwhere = '%s.cards[%d]' % (where, i)
            if not isinstance(card, dict):
                raise LabError('%s: must be a mapping' % cwhere)
            if card.get('preset') not in presets:
                raise LabError('%s.preset: unknown preset/PSID %r (known: %s)' % (cwhere, card.get('preset'), ', '.join(sorted(presets))))
            if not re.match(r'^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$', str(card.get('bdf'))):
                raise LabError('%s.bdf: not a PCI address like 0000:03:00.0: %r' % (cwhere, card.get('bdf')))
            if card.get('vsc', False) not in (True, False):
                raise LabError('%s.vsc: must be true or false, got %r' % (cwhere, card.get('vsc')))
            if card.get('slot_speed') not in (2.5, 5, 8) or card.get('slot_width') not in (1, 2, 4, 8, 16):
                raise LabError('%s.slot_speed/slot_width: must be 2.5|5|8 GT/s and 1|2|4|8|16 lanes' % cwhere)
            for dev in card.get('netdevs') or []:
                ports['%s:%s' % (name, dev)] = card
        for i, conf in enumerate(host.get('interfaces') or []):
            if '%s:%s' % (name, conf.get('name')) not in ports:
                raise LabError('%s.interfaces[%d].name: %r is not a port of this host' % (where, i, conf.get('name')))
            try:
                ipaddress.ip_interface(str(conf.get('address')))
            except ValueError:
                raise LabError('%s.interfaces[%d].address: not an address/prefix: %r' % (where, i, conf.get('address')))
    seen = set()
    for i, cable in enumerate(topo.get('cables') or []):
        where = 'topology: cables[%d]' % i
        if not isinstance(cable, dict) or not cable.get('name'):
            raise LabError('%s.name: every cable needs a name' % where)
        for side in ('a', 'b'):
            if cable.get(side) not in ports:
                raise LabError('%s.%s: %r is not host:port of a card in the topology' % (where, side, cable.get(side)))
            if cable[side] in seen:
                raise LabError('%s.%s: port %s is already cabled' % (where, side, cable[side]))
            seen.add(cable[side])
        if cable.get('speed_mbps') not in (10000, 40000, 56000):
            raise LabError('%s.speed_mbps: must be 10000, 40000 or 56000, got %r' % (where, cable.get('speed_mbps')))
        module = cable.get('module')
        if module is not None:
            if not isinstance(module, dict):
                raise LabError('%s.module: must be a mapping like {vendor: Mellanox, part_number: MC2207130-001, type: dac}' % where)
            if module.get('type', 'dac') not in emulated_cards.MODULE_TYPES:
                raise LabError('%s.module.type: unknown module type %r (known: %s)' % (where, module.get('type'), ', '.join(emulated_cards.MODULE_TYPES)))
            unknown = sorted(set(module) - set(emulated_cards.MODULE_KEYS))
            if unknown:
                raise LabError('%s.module.%s: unknown field (known: %s)' % (where, unknown[0], ', '.join(emulated_cards.MODULE_KEYS)))
    try:
        cluster.validate(topo)
    except ValueError as exc:
        raise LabError(str(exc))
    return topo


def management_net(topo):
    return ipaddress.ip_network(str(topo.get('management_subnet', '198.19.0.0/24')))


def split_port(text):
    host, port = text.split(':', 1)
    return host, port


# ------------------------------------------------------------------ host image

def image_tag(suite):
    digest = hashlib.sha256()
    for name in ('packages.txt',):
        with open(os.path.join(HOST_RECIPE, name), 'rb') as handle:
            digest.update(handle.read())
    digest.update(MIRROR.encode())
    digest.update(suite.encode())
    return 'localhost/%s-host:%s' % (PREFIX, digest.hexdigest()[:12])


def ensure_image(suite='bookworm'):
    """The host image of a Debian release (debootstrap of the suite, the same packages.txt), built once."""
    tag = image_tag(suite)
    if podman('image', 'exists', tag, check=False).returncode == 0:
        return tag
    tarball = os.path.join(STATE, 'rootfs-%s.tar' % tag.rsplit(':', 1)[1])
    if not os.path.exists(tarball):
        with open(os.path.join(HOST_RECIPE, 'packages.txt')) as handle:
            packages = [line.split('#')[0].strip() for line in handle if line.split('#')[0].strip()]
        root = tempfile.mkdtemp(prefix='cxlab-rootfs-', dir=STATE)
        log('building the host root filesystem (debootstrap %s, about a minute)' % suite)
        try:
            run(['debootstrap', '--variant=minbase', '--include=' + ','.join(packages), suite, root, MIRROR], timeout=1800)
            run(['tar', '-C', root, '-cf', tarball + '.part', '.'])
            os.rename(tarball + '.part', tarball)
        finally:
            shutil.rmtree(root, ignore_errors=True)
    podman('import', '--change', 'CMD=["/opt/cxlab/host/init"]', tarball, tag)
    return tag


# The fixed names molecule's platforms use for the image of each release (extensions/molecule/*/molecule.yml).
IMAGE_ALIASES = {'bookworm': 'lab', 'trixie': 'pve9'}


def alias_image(tag, suite='bookworm'):
    """Also tag the image under its fixed name: localhost/cxlab-host:lab (Debian 12), localhost/cxlab-host:pve9 (Debian 13)."""
    podman('tag', tag, 'localhost/%s-host:%s' % (PREFIX, IMAGE_ALIASES[suite]))


# ------------------------------------------------------------------ package mirror

def mirror_pidfile():
    return os.path.join(STATE, 'mirror.pid')


def live_pid(pidfile, matches):
    """The pid in pidfile when that process runs and matches(its /proc cmdline bytes), else 0."""
    try:
        with open(pidfile) as handle:
            pid = int(handle.read().strip())
        os.kill(pid, 0)
        with open('/proc/%d/cmdline' % pid, 'rb') as handle:
            return pid if matches(handle.read()) else 0
    except (IOError, OSError, ValueError):
        return 0


def mirror_alive():
    return live_pid(mirror_pidfile(), lambda cmdline: mirror.MARKER.encode() in cmdline.split(b'\0'))


def ensure_mirror(tags, net):
    """The local Debian mirror (tests/lab/mirror.py): a repository per Debian release of the lab's hosts ({suite: image
    tag}), built once per host image, and the bookworm route's when a host runs Debian 13; served on the bridge.
    Returns {suite: the sources.list of a host of that release}."""
    def installed(tag):
        res = podman('run', '--rm', '--network', 'none', tag, 'dpkg-query', '--show', '--showformat=${Package}\\n')
        return res.stdout.split()
    try:
        for suite, tag in sorted(tags.items()):
            mirror.build(STATE, tag, lambda tag=tag: installed(tag), suite=suite, archive=MIRROR)
        if 'trixie' in tags:
            mirror.build_route(STATE, MIRROR)
    except mirror.MirrorError as exc:
        raise LabError('the package mirror: %s' % exc)
    directory = mirror.served_root(STATE)
    address = str(next(net.hosts()))
    sources = dict((suite, mirror.sources_line(address, suite)) for suite in tags)
    if mirror_alive():
        return sources
    with open(os.path.join(STATE, 'mirror.log'), 'w') as log_file:
        proc = subprocess.Popen([sys.executable, os.path.join(LAB, 'mirror.py'), 'serve', address,
                                 '%d,%d' % (mirror.PORT, mirror.ARCHIVE_PORT), directory,
                                 mirror.MARKER], start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=log_file)
    with open(mirror_pidfile(), 'w') as handle:
        handle.write(str(proc.pid))
    deadline = time.time() + 10
    while True:
        if proc.poll() is not None:
            raise LabError('the package mirror stopped at once (see .cache/lab/mirror.log)')
        try:
            socket.create_connection((address, mirror.PORT), timeout=0.5).close()
            break
        except OSError:
            if time.time() >= deadline:
                stop_mirror()
                raise LabError('the package mirror does not answer on %s:%s after 10 s (see .cache/lab/mirror.log)'
                               % (address, mirror.PORT))
            time.sleep(0.1)
    return sources


def stop_mirror():
    pid = mirror_alive()
    if pid:
        os.kill(pid, signal.SIGTERM)
    if os.path.exists(mirror_pidfile()):
        os.unlink(mirror_pidfile())


# ------------------------------------------------------------------ network

def netns(host):
    return '%s-%s' % (PREFIX, host)


def in_ns(host, *argv):
    return run(['ip', 'netns', 'exec', netns(host)] + list(argv))


def ensure_bridge(topo):
    net = management_net(topo)
    if run(['ip', 'link', 'show', BRIDGE], check=False).returncode != 0:
        run(['ip', 'link', 'add', BRIDGE, 'type', 'bridge'])
        run(['ip', 'addr', 'add', '%s/%d' % (next(net.hosts()), net.prefixlen), 'dev', BRIDGE])
    run(['ip', 'link', 'set', BRIDGE, 'up'])
    return net


# Root-only, outside the checkout: what is mounted here is a piece of the machine's sysfs.
NETSYS = '/run/%s-netsys' % PREFIX


def netsys_dir(name):
    return os.path.join(NETSYS, name)


def netsys_mounts():
    """The lab's network-device sysfs mounts (netsys_mount) on this machine."""
    with open('/proc/self/mounts') as handle:
        return [line.split()[1] for line in handle if line.split()[1].startswith(NETSYS + os.sep)]


def netsys_mount(name, fresh=False):
    """The network devices of the host's namespace, writable, for its container's /sys/devices/virtual/net (a real
    node writes an interface's MTU there; the container's own /sys is read-only). A sysfs shows the network devices
    of the namespace of whoever mounts it: one is mounted from inside the namespace at a temporary place, only its
    devices/virtual/net is kept (a bind mount) and the rest is unmounted at once, so nothing else of the machine's
    sysfs (PCI devices, ...) stays mounted. ``fresh``: the namespace was just created, a mount of an older one goes."""
    path = netsys_dir(name)
    if path in netsys_mounts():
        if not fresh:
            return
        run(['umount', '-l', path])
    os.makedirs(NETSYS, mode=0o700, exist_ok=True)
    os.chmod(NETSYS, 0o700)
    os.makedirs(path, exist_ok=True)
    whole = tempfile.mkdtemp(dir=NETSYS, prefix='.sysfs-')
    try:
        run(['nsenter', '--net=/run/netns/%s' % netns(name), 'mount', '-t', 'sysfs', 'sysfs', whole])
        try:
            run(['mount', '--bind', os.path.join(whole, 'devices', 'virtual', 'net'), path])
        finally:
            run(['umount', whole])
    finally:
        os.rmdir(whole)


def netsys_unmount():
    for path in sorted(netsys_mounts(), reverse=True):
        run(['umount', '-l', path], check=False)
    left = netsys_mounts()
    if left:
        raise LabError('could not unmount %s' % ', '.join(left))
    if os.path.isdir(NETSYS):
        for entry in os.listdir(NETSYS):
            os.rmdir(os.path.join(NETSYS, entry))
        os.rmdir(NETSYS)


def ensure_netns(topo, name, host, net, speeds):
    ns = netns(name)
    created = ns not in run(['ip', 'netns', 'list']).stdout.split()
    if created:
        run(['ip', 'netns', 'add', ns])
    netsys_mount(name, fresh=created)
    in_ns(name, 'ip', 'link', 'set', 'lo', 'up')
    veth = 'cxm-%s' % name
    if run(['ip', 'link', 'show', veth], check=False).returncode != 0:
        run(['ip', 'link', 'add', veth, 'type', 'veth', 'peer', 'name', 'mgmt0', 'netns', ns])
        run(['ip', 'link', 'set', veth, 'master', BRIDGE, 'up'])
        # A Proxmox VE node's management address is on its bridge vmbr0, which ifupdown2 makes at each boot
        # (management_interfaces); another host has it on the port itself.
        if host.get('group') != 'proxmox':
            in_ns(name, 'ip', 'addr', 'add', '%s/%d' % (host['management'], net.prefixlen), 'dev', 'mgmt0')
    in_ns(name, 'ip', 'link', 'set', 'mgmt0', 'up')
    for card in host['cards']:
        for dev in card.get('netdevs') or []:
            if run(['ip', '-n', ns, 'link', 'show', dev], check=False).returncode != 0:
                run(['ip', '-n', ns, 'tuntap', 'add', 'dev', dev, 'mode', 'tap'])
            speed = speeds.get('%s:%s' % (name, dev), 40000)
            in_ns(name, 'ethtool', '-s', dev, 'speed', str(speed), 'duplex', 'full', 'autoneg', 'off')


# ------------------------------------------------------------------ cards and containers

def host_dir(name):
    return os.path.join(STATE, 'hosts', name)


def ensure_cards(name, host):
    root = os.path.join(host_dir(name), 'fakemlx')
    for i, card in enumerate(host['cards']):
        if os.path.isdir(os.path.join(root, 'cards', card['bdf'])):
            continue
        mac = '00:02:c9:%02x:%02x:%02x' % (sum(map(ord, name)) % 256, i, 0x10)
        guid = '0002c903%08x' % (int(hashlib.sha256(name.encode()).hexdigest()[:6], 16) * 16 + i * 8)
        cardctl(name, 'create', '--bdf', card['bdf'],
                '--preset', card['preset'], '--pcie-speed', str(card['slot_speed']), '--pcie-width', str(card['slot_width']),
                '--netdevs', ','.join(card.get('netdevs') or []), '--base-mac', mac, '--base-guid', guid,
                '--serial', 'MT1604K%05d' % (sum(map(ord, name)) * 7 + i), *(['--vsc'] if card.get('vsc') else []))
    return root


def cluster_dir():
    return os.path.join(STATE, 'cluster')


def ensure_cluster(topo):
    """The Proxmox cluster stand-in's state (tests/lab/cluster.py), written before the hosts boot; a kept
    lab keeps its state (maintenance flags, guests shut down); `down` removes it."""
    if not os.path.exists(os.path.join(cluster_dir(), 'cluster.json')):
        cluster.write_state(cluster_dir(), cluster.initial_state(topo))


def ssh_dir():
    return os.path.join(STATE, 'ssh')


def client_key():
    """The lab's login key pair (.cache/lab/ssh/id_ed25519): what a homelab's admin key is to its nodes."""
    key = os.path.join(ssh_dir(), 'id_ed25519')
    if not os.path.exists(key):
        os.makedirs(ssh_dir(), mode=0o700, exist_ok=True)
        run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'cxlab-admin', '-f', key])
    return key


def boot_dir(name):
    """What the host's init reads at boot (mounted at /opt/cxlab/boot): SSH host key, login, boot delay."""
    return os.path.join(host_dir(name), 'boot')


# CXLAB_TIMING=realistic: what real hardware takes. The flash figures are the typical times of the
# card's SPI NOR flash (Micron M25PX16 datasheet: page program 0.8 ms, 64 KiB sector erase 0.7 s,
# 4 KiB subsector erase 70 ms) - a floor for a real burn, which also pays the slow config-space
# gateway; the boot delay stands for POST and the boot of a server at each reboot (CXLAB_BOOT_DELAY, seconds; not at
# the containers' first start: `up` brings up nodes that are already on).
TIMING = {
    'fast': {'flash': None, 'boot_delay': 0},
    'realistic': {'flash': {'page_program_us': 800, 'sector_erase_us': 700000, 'subsector_erase_us': 70000}, 'boot_delay': 60},
}


def timing_profile():
    name = os.environ.get('CXLAB_TIMING', 'fast')
    if name not in TIMING:
        raise LabError('CXLAB_TIMING must be one of %s, got %r' % (', '.join(sorted(TIMING)), name))
    profile = dict(TIMING[name])
    if os.environ.get('CXLAB_BOOT_DELAY'):
        profile['boot_delay'] = int(os.environ['CXLAB_BOOT_DELAY'])
    return profile


def ensure_timing(topo):
    """The timing profile into each host: the emulator's flash times, the init's boot delay."""
    profile = timing_profile()
    for name in topo['hosts']:
        path = os.path.join(host_dir(name), 'fakemlx', 'timing')
        if profile['flash']:
            with open(path, 'w') as handle:
                handle.write(''.join('%s=%d\n' % item for item in sorted(profile['flash'].items())))
        elif os.path.exists(path):
            os.unlink(path)
        with open(os.path.join(boot_dir(name), 'boot_delay'), 'w') as handle:
            handle.write('%d\n' % profile['boot_delay'])


def management_gateway(net):
    """The default gateway of the Proxmox hosts: the management subnet's last address, which nothing answers, so
    that a node has a default route as a real one does and nothing leaves the lab by it."""
    return net[-2] if net.num_addresses > 2 else net[-1]


def management_interfaces(topo, host):
    """/etc/network/interfaces as the Proxmox VE 8 installer writes it (the port "manual", the address and the
    gateway on the bridge vmbr0 over it, the stanza directory sourced last); None for other hosts (the lab sets
    their address on mgmt0 and the file only names mgmt0 "manual")."""
    if host.get('group') != 'proxmox':
        return None
    net = management_net(topo)
    return ('auto lo\niface lo inet loopback\n\niface mgmt0 inet manual\n\nauto vmbr0\niface vmbr0 inet static\n'
            '\taddress %s/%d\n\tgateway %s\n\tbridge-ports mgmt0\n\tbridge-stp off\n\tbridge-fd 0\n\n'
            'source /etc/network/interfaces.d/*\n' % (host['management'], net.prefixlen, management_gateway(net)))


def ensure_ssh(topo):
    """Per host: its SSH host key, the authorized key and the login user (mounted at /opt/cxlab/boot);
    the controller's known_hosts for the lab (host key checking stays on)."""
    with open(client_key() + '.pub') as handle:
        authorized = handle.read()
    known = []
    for name, host in sorted(topo['hosts'].items()):
        d = boot_dir(name)
        os.makedirs(d, exist_ok=True)
        key = os.path.join(d, 'ssh_host_ed25519_key')
        if not os.path.exists(key):
            run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'root@%s' % name, '-f', key])
        with open(os.path.join(d, 'authorized_keys'), 'w') as handle:
            handle.write(authorized)
        with open(os.path.join(d, 'user'), 'w') as handle:
            handle.write(str(host.get('login', 'root')) + '\n')
        interfaces = management_interfaces(topo, host)
        path = os.path.join(d, 'interfaces')
        if interfaces is None:
            if os.path.exists(path):
                os.unlink(path)
        else:
            with open(path, 'w') as handle:
                handle.write(interfaces)
        with open(key + '.pub') as handle:
            algo, blob = handle.read().split()[:2]
        known.append('%s %s %s\n' % (host['management'], algo, blob))
    with open(os.path.join(ssh_dir(), 'known_hosts'), 'w') as handle:
        handle.writelines(known)


def ssh_ready(address, timeout=1.0):
    try:
        with socket.create_connection((str(address), 22), timeout=timeout) as sock:
            return sock.recv(4).startswith(b'SSH-')
    except (OSError, socket.timeout):
        return False


def container(name):
    return '%s-%s' % (PREFIX, name)


def container_pid(name):
    res = podman('inspect', '--format', '{{.State.Pid}}', container(name), check=False)
    return int(res.stdout.strip() or 0) if res.returncode == 0 else 0


def ensure_container(name, tag, cards_root, mirror_address):
    state = podman('inspect', '--format', '{{.State.Status}}', container(name), check=False)
    if state.returncode == 0 and state.stdout.strip() == 'running':
        return False
    if state.returncode == 0:
        podman('rm', '-f', container(name))
    # SYS_ADMIN: the init binds a fresh boot id over /proc/sys/kernel/random/boot_id at each boot.
    # /sys is read-only in the container; its network devices are writable, as on a real node (ifupdown2
    # sets an MTU through /sys/class/net/<dev>/mtu): the host's own sysfs of its netns (netsys_mount).
    podman('run', '-d', '--name', container(name), '--hostname', name, '--restart=always',
           '--network', 'ns:/run/netns/%s' % netns(name), '--cap-add', 'NET_ADMIN,NET_RAW,SYS_ADMIN',
           # The lab has no Internet: deb.debian.org is the lab mirror (tests/lab/mirror.py, its debian/).
           '--add-host', '%s:%s' % (mirror.ARCHIVE_HOST, mirror_address),
           '-v', '%s:/sys/devices/virtual/net' % netsys_dir(name),
           '--label', 'cxlab=1',
           '-v', '%s:/var/lib/fakemlx' % cards_root,
           '-v', '%s:/opt/cxlab/boot:ro' % boot_dir(name),
           '-v', '%s:/var/lib/cxlab-cluster' % cluster_dir(),
           '-v', '%s:/opt/cxlab/emulator:ro' % EMU,
           '-v', '%s:/opt/cxlab/firmware:ro' % os.path.join(LAB, 'firmware'),
           '-v', '%s:/opt/cxlab/host:ro' % HOST_RECIPE,
           tag, '/opt/cxlab/host/init')
    return True


def wait_booted(topo, names, timeout=120):
    """Booted: init wrote /run/boot_id and sshd answers on the management address."""
    deadline = time.time() + timeout
    pending = set(names)
    while pending and time.time() < deadline:
        for name in sorted(pending):
            if podman('exec', container(name), 'cat', '/run/boot_id', check=False).returncode == 0 \
                    and ssh_ready(topo['hosts'][name]['management']):
                pending.discard(name)
        if pending:
            time.sleep(0.5)
    if pending:
        raise LabError('hosts did not boot within %ds: %s' % (timeout, ', '.join(sorted(pending))))


# ------------------------------------------------------------------ cables

def relay_pidfile(cable):
    return os.path.join(STATE, 'relays', '%s.pid' % cable)


def relay_alive(cable):
    return live_pid(relay_pidfile(cable), lambda cmdline: b'relay.py' in cmdline)


def swaps_path():
    return os.path.join(STATE, 'swaps.json')


def read_swaps():
    """{"host:port": "host:other_port"}: cable ends moved by `labctl swap` (kept until the lab goes down)."""
    try:
        with open(swaps_path()) as handle:
            return json.load(handle)
    except (IOError, OSError, ValueError):
        return {}


def cable_ends(cable):
    """The cable's two ends as plugged now (after any swap)."""
    swaps = read_swaps()
    return swaps.get(cable['a'], cable['a']), swaps.get(cable['b'], cable['b'])


def card_of(topo, end):
    host, port = split_port(end)
    for card in topo['hosts'][host]['cards']:
        if port in (card.get('netdevs') or []):
            return card
    return None


def trained_speed(cable):
    """The speed the cable's two ports train at: its speed_mbps, but a 56000 cable comes up at 40000 unless its
    module is a Mellanox FDR cable (a known part of the emulator with the 14.0625 Gb/s lane rate, MC2207130): a
    ConnectX-3 runs Mellanox's 56 GbE only over Mellanox's own cables and autonegotiates 40 GbE over any other."""
    speed = cable['speed_mbps']
    module = cable.get('module')
    if speed != 56000 or module is None:
        return speed
    desc = emulated_cards.resolve_module(module)
    part = emulated_cards.KNOWN_PARTS.get((desc.get('part_number') or '')[:9], {})
    fdr = desc['type'] in ('dac', 'aoc') and desc.get('vendor') == 'Mellanox' and part.get('br', 0) >= 140
    return 56000 if fdr else 40000


def cardctl(host, *args, **kw):
    """tests/lab/emulator/cardctl.py on the host's emulated cards (the one place of its argv)."""
    return run([sys.executable, os.path.join(EMU, 'cardctl.py'), '--root', os.path.join(host_dir(host), 'fakemlx')] + list(args), **kw)


def plug_modules(topo, cable):
    """The cable's module (DAC/AOC/...) in the cage at each end, as the topology declares it."""
    if cable.get('module') is None:
        return
    for end in cable_ends(cable):
        host, port = split_port(end)
        cardctl(host, 'module', '--bdf', card_of(topo, end)['bdf'], '--port', port, '--spec', json.dumps(cable['module']))


def plug(cable):
    if relay_alive(cable['name']):
        return
    (a_host, a_port), (b_host, b_port) = [split_port(end) for end in cable_ends(cable)]
    os.makedirs(os.path.dirname(relay_pidfile(cable['name'])), exist_ok=True)
    proc = subprocess.Popen([sys.executable, os.path.join(LAB, 'relay.py'), netns(a_host), a_port, netns(b_host), b_port, LINK_DELAY],
                            start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(STATE, 'relays', '%s.log' % cable['name']), 'w'))
    with open(relay_pidfile(cable['name']), 'w') as handle:
        handle.write(str(proc.pid))
    time.sleep(0.2)
    if proc.poll() is not None:
        raise LabError('cable %s: the relay stopped at once (see .cache/lab/relays/%s.log)' % (cable['name'], cable['name']))


def unplug(cable_name):
    pid = relay_alive(cable_name)
    if pid:
        os.kill(pid, signal.SIGTERM)
        for attempt in range(50):
            if attempt and not relay_alive(cable_name):
                break
            time.sleep(0.05)
    if os.path.exists(relay_pidfile(cable_name)):
        os.unlink(relay_pidfile(cable_name))


# ------------------------------------------------------------------ inventory

def target_image(topo):
    """The crossflash target on the controller, with its sha256 (built once)."""
    preset = topo['target_image']
    path = os.path.join(STATE, 'firmware', IMAGE_NAMES.get(preset, 'fw-%s.bin' % preset))
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path + '.part', 'wb') as handle:
            handle.write(build_image.build(preset))
        os.rename(path + '.part', path)
    with open(path, 'rb') as handle:
        return path, hashlib.sha256(handle.read()).hexdigest()


def inventory(topo):
    image, sha = target_image(topo)
    links = []
    for cable in topo.get('cables') or []:
        (a_host, a_port), (b_host, b_port) = split_port(cable['a']), split_port(cable['b'])
        links.append({'name': cable['name'], 'a': {'host': a_host, 'iface': a_port}, 'b': {'host': b_host, 'iface': b_port},
                      'speed_mbps': cable['speed_mbps']})
    groups = {}
    for name, host in sorted(topo['hosts'].items()):
        # As a homelab reaches its nodes: SSH to the management address, host keys checked against
        # the lab's known_hosts; root, or a sudo user with become.
        hostvars = {
            'ansible_connection': 'ssh',
            'ansible_host': host['management'],
            'ansible_user': host.get('login', 'root'),
            'ansible_ssh_private_key_file': client_key(),
            'ansible_ssh_common_args': '-o UserKnownHostsFile=%s -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes'
                                       % os.path.join(ssh_dir(), 'known_hosts'),
            'ansible_python_interpreter': '/usr/bin/python3',
            'connectx_interfaces': host.get('interfaces') or [],
        }
        if host.get('login', 'root') != 'root':
            hostvars['ansible_become'] = True
        # The lab's own marker of the host's release (tests find the Proxmox VE 9 hosts by it; no role reads it).
        hostvars['cxlab_os'] = host.get('os', 'pve8')
        if not host.get('firmware', True):
            # No image for this host: nor a PSID change (inventory_check warns about an allow without an image).
            hostvars['connectx_firmware_image'] = ''
            hostvars['connectx_allow_psid_change'] = False
        hostvars.update(host.get('vars') or {})
        groups.setdefault(host['group'], {'hosts': {}})['hosts'][name] = hostvars
    return {'all': {
        'vars': {
            'connectx_firmware_image': image,
            'connectx_firmware_image_sha256': sha,
            'connectx_allow_psid_change': True,
            'connectx_backup_dir': os.path.join(STATE, 'backups'),
            'connectx_report_dir': os.path.join(REPO, 'reports'),
            'connectx_links': links,
        },
        'children': {'connectx_hosts': {'children': groups}},
    }}


def write_inventory(topo):
    path = os.path.join(STATE, 'inventory.yml')
    with open(path + '.part', 'w') as handle:
        handle.write('# Written by tests/lab/labctl.py from tests/lab/topology.yml; do not edit.\n')
        yaml.safe_dump(inventory(topo), handle, sort_keys=False, default_flow_style=False)
    os.rename(path + '.part', path)
    return path


# ------------------------------------------------------------------ commands

def topology_stamp(topo):
    return hashlib.sha256(json.dumps(topo, sort_keys=True).encode()).hexdigest()


def lab_running(topo):
    """True when this topology is wired and all its containers run (a lab to keep, not to rebuild)."""
    try:
        with open(os.path.join(STATE, 'topology.sha256')) as handle:
            same = handle.read().strip() == topology_stamp(topo)
    except (IOError, OSError):
        same = False
    return same and all(podman('container', 'exists', container(n), check=False).returncode == 0 for n in topo['hosts'])


def wire(topo):
    """Image, bridge, each host's netns with its ports, the cards and the cables: all but the containers."""
    os.makedirs(STATE, exist_ok=True)
    run(['make', '-s', '-C', EMU])
    tags = dict((suite, ensure_image(suite)) for suite in ['bookworm'] + sorted({host_suite(h) for h in topo['hosts'].values()}))
    for suite, tag in tags.items():
        alias_image(tag, suite)
    net = ensure_bridge(topo)
    sources = ensure_mirror(dict((s, t) for s, t in tags.items() if s in {host_suite(h) for h in topo['hosts'].values()}), net)
    speeds = {}
    for cable in topo.get('cables') or []:
        speeds[cable['a']] = speeds[cable['b']] = trained_speed(cable)
    for name, host in sorted(topo['hosts'].items()):
        ensure_netns(topo, name, host, net, speeds)
        ensure_cards(name, host)
    ensure_ssh(topo)
    for name, host in topo['hosts'].items():
        # The host's apt sources (its init installs them at the first boot): the lab mirror of its release only.
        with open(os.path.join(boot_dir(name), 'sources.list'), 'w') as handle:
            handle.write('# The lab\'s local Debian mirror (tests/lab/mirror.py), standing in for deb.debian.org.\n'
                         + sources[host_suite(host)])
    ensure_timing(topo)
    ensure_cluster(topo)
    for cable in topo.get('cables') or []:
        plug_modules(topo, cable)
        plug(cable)
    with open(os.path.join(STATE, 'topology.sha256'), 'w') as handle:
        handle.write(topology_stamp(topo))
    return tags


def forget_backups():
    """A new lab has new cards: the controller's backups of the previous lab's cards go (a kept lab keeps them)."""
    shutil.rmtree(os.path.join(STATE, 'backups'), ignore_errors=True)


def cmd_up(topo):
    start = time.time()
    if not lab_running(topo):
        cmd_down(topo, quiet=True)  # leftovers of a crash or another topology: start clean
        forget_backups()
    tags = wire(topo)
    started = []
    for name in sorted(topo['hosts']):
        if ensure_container(name, tags[host_suite(topo['hosts'][name])], os.path.join(host_dir(name), 'fakemlx'),
                            str(next(management_net(topo).hosts()))):
            started.append(name)
    wait_booted(topo, sorted(topo['hosts']), timeout=120 + timing_profile()['boot_delay'])
    path = write_inventory(topo)
    log('up in %.1fs: %d hosts (%s started), %d cables; inventory %s'
        % (time.time() - start, len(topo['hosts']), ', '.join(started) or 'none', len(topo.get('cables') or []), path))


def cmd_wire(topo):
    """For molecule: a fresh lab without containers, unless this topology's lab already runs."""
    start = time.time()
    if lab_running(topo):
        log('wire: the lab of this topology is up; kept as it is')
    else:
        cmd_down(topo, quiet=True)
        forget_backups()
        wire(topo)
    path = write_inventory(topo)
    log('wired in %.1fs: %d hosts, %d cables; inventory %s'
        % (time.time() - start, len(topo['hosts']), len(topo.get('cables') or []), path))


def cmd_down(topo, quiet=False):
    del topo
    relays = os.path.join(STATE, 'relays')
    for name in (os.listdir(relays) if os.path.isdir(relays) else []):
        if name.endswith('.pid'):
            unplug(name[:-4])
    # Relays whose pid file was lost (a crash).
    for pid in os.listdir('/proc'):
        if pid.isdigit():
            try:
                with open('/proc/%s/cmdline' % pid, 'rb') as handle:
                    cmdline = handle.read()
                args = cmdline.split(b'\0')
                if any(a.endswith(b'relay.py') for a in args) and any(a.startswith(PREFIX.encode() + b'-') for a in args):
                    os.kill(int(pid), signal.SIGTERM)
                if any(a.endswith(b'mirror.py') for a in args) and mirror.MARKER.encode() in args:
                    os.kill(int(pid), signal.SIGTERM)
            except (IOError, OSError):
                pass
    names = podman('ps', '-a', '--filter', 'label=cxlab=1', '--format', '{{.Names}}', check=False).stdout.split()
    if names:
        podman('rm', '-f', '-t', '0', *names, check=False)
    netsys_unmount()
    for ns in run(['ip', 'netns', 'list'], check=False).stdout.split():
        if ns.startswith(PREFIX + '-'):
            run(['ip', 'netns', 'del', ns], check=False)
    links = run(['ip', '-o', 'link', 'show'], check=False).stdout
    for dev in re.findall(r'^\d+: (cxm-[^:@]+)', links, re.M) + ([BRIDGE] if BRIDGE in links else []):
        run(['ip', 'link', 'del', dev], check=False)
    shutil.rmtree(os.path.join(STATE, 'hosts'), ignore_errors=True)
    stop_mirror()
    shutil.rmtree(relays, ignore_errors=True)
    shutil.rmtree(cluster_dir(), ignore_errors=True)
    if os.path.exists(swaps_path()):
        os.unlink(swaps_path())
    if os.path.exists(os.path.join(STATE, 'topology.sha256')):
        os.unlink(os.path.join(STATE, 'topology.sha256'))
    if not quiet:
        log('down: removed %d containers, the cxlab network namespaces, ports, bridge, relays and the package mirror' % len(names))


def card_states(name):
    res = cardctl(name, 'show', check=False)
    try:
        return json.loads(res.stdout)
    except ValueError:
        return {}


def carrier(name, dev):
    res = run(['ip', '-n', netns(name), '-o', 'link', 'show', dev], check=False)
    return 'NO-CARRIER' not in res.stdout and 'LOWER_UP' in res.stdout if res.returncode == 0 else None


def cmd_status(topo):
    status = {'hosts': {}, 'cables': {}}
    for name in sorted(topo['hosts']):
        running = podman('inspect', '--format', '{{.State.Status}}', container(name), check=False).stdout.strip() or 'absent'
        cards = dict((bdf, {'psid': c.get('flash_psid'), 'fw': c.get('flash_fw'), 'running_fw': c.get('running_fw'),
                            'present': c.get('present')}) for bdf, c in card_states(name).items())
        status['hosts'][name] = {'container': running, 'cards': cards}
    for cable in topo.get('cables') or []:
        status['cables'][cable['name']] = {
            'plugged': bool(relay_alive(cable['name'])), 'speed_mbps': cable['speed_mbps'],
            'trained_mbps': trained_speed(cable),
            'ends': list(cable_ends(cable)),
            'carrier': dict((end, carrier(*split_port(end))) for end in cable_ends(cable))}
    print(json.dumps(status, indent=2, sort_keys=True))
    return status


def cmd_reboot(topo, name, timeout=None):
    """kill -TERM 1 in the container (what the roles' reboot does) and wait for a new boot id."""
    if name not in topo['hosts']:
        raise LabError('reboot: no host %s in the topology' % name)
    timeout = timeout or 60 + timing_profile()['boot_delay']
    old = podman('exec', container(name), 'cat', '/run/boot_id', check=False).stdout.strip()
    podman('exec', container(name), 'kill', '-TERM', '1', check=False)
    deadline = time.time() + timeout
    while time.time() < deadline:
        res = podman('exec', container(name), 'cat', '/run/boot_id', check=False)
        if res.returncode == 0 and res.stdout.strip() not in ('', old):
            return
        time.sleep(0.3)
    raise LabError('reboot: %s did not come back within %ds' % (name, timeout))


def cmd_swap(topo, host, port_a, port_b):
    """Move the cable end on HOST:PORT_A to HOST:PORT_B, the other port of the same card (the "moved the
    transceiver to port 2" case); its module moves with it. Swapping back restores the topology."""
    if host not in topo['hosts']:
        raise LabError('swap: no host %s in the topology' % host)
    ends = {}
    for port in (port_a, port_b):
        if card_of(topo, '%s:%s' % (host, port)) is None:
            raise LabError('swap: %s:%s is not a port of a card of %s (ports: %s)' % (
                host, port, host, ', '.join(d for c in topo['hosts'][host]['cards'] for d in c.get('netdevs') or [])))
        ends[port] = '%s:%s' % (host, port)
    if card_of(topo, ends[port_a]) is not card_of(topo, ends[port_b]):
        raise LabError('swap: %s and %s are not ports of the same card' % (port_a, port_b))
    moved = None
    for cable in topo.get('cables') or []:
        if ends[port_a] in cable_ends(cable):
            moved = cable
        elif ends[port_b] in cable_ends(cable):
            raise LabError('swap: %s is already cabled (cable %s)' % (ends[port_b], cable['name']))
    if moved is None:
        raise LabError('swap: no cable is plugged into %s' % ends[port_a])
    unplug(moved['name'])
    bdf = card_of(topo, ends[port_a])['bdf']
    if moved.get('module') is not None:
        cardctl(host, 'module', '--bdf', bdf, '--port', port_a, '--none')
    swaps = read_swaps()
    original = [end for end in (moved['a'], moved['b']) if swaps.get(end, end) == ends[port_a]][0]
    if original == ends[port_b]:
        swaps.pop(original, None)
    else:
        swaps[original] = ends[port_b]
    with open(swaps_path(), 'w') as handle:
        json.dump(swaps, handle)
    speed = trained_speed(moved)
    in_ns(host, 'ethtool', '-s', port_b, 'speed', str(speed), 'duplex', 'full', 'autoneg', 'off')
    plug_modules(topo, moved)
    plug(moved)
    log('swap: cable %s now ends at %s (was %s)' % (moved['name'], ends[port_b], ends[port_a]))


def find_cable(topo, name):
    for cable in topo.get('cables') or []:
        if cable['name'] == name:
            return cable
    raise LabError('no cable %s in the topology (cables: %s)' % (name, ', '.join(c['name'] for c in topo.get('cables') or [])))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--topology', default=os.path.join(LAB, 'topology.yml'))
    sub = parser.add_subparsers(dest='cmd', required=True)
    for cmd in ('up', 'down', 'status', 'inventory', 'wire'):
        sub.add_parser(cmd)
    sub.add_parser('reboot').add_argument('host')
    sub.add_parser('unplug').add_argument('cable')
    sub.add_parser('plug').add_argument('cable')
    swap = sub.add_parser('swap')
    swap.add_argument('host')
    swap.add_argument('port_a')
    swap.add_argument('port_b')
    fault = sub.add_parser('fault')
    fault.add_argument('host')
    fault.add_argument('settings', nargs='+')
    fault.add_argument('--bdf', default='0000:03:00.0')
    args = parser.parse_args(argv)
    try:
        topo = load_topology(args.topology)
        if args.cmd == 'up':
            cmd_up(topo)
        elif args.cmd == 'down':
            cmd_down(topo)
        elif args.cmd == 'wire':
            cmd_wire(topo)
        elif args.cmd == 'status':
            cmd_status(topo)
        elif args.cmd == 'inventory':
            print(write_inventory(topo))
        elif args.cmd == 'reboot':
            cmd_reboot(topo, args.host)
        elif args.cmd == 'unplug':
            unplug(find_cable(topo, args.cable)['name'])
        elif args.cmd == 'plug':
            plug(find_cable(topo, args.cable))
        elif args.cmd == 'swap':
            cmd_swap(topo, args.host, args.port_a, args.port_b)
        elif args.cmd == 'fault':
            cardctl(args.host, 'fault', '--bdf', args.bdf, 'set', *args.settings)
    except LabError as exc:
        print('lab: error: %s' % exc, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
