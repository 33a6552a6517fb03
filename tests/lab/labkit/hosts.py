# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The hosts as containers: the timing profile, the Proxmox cluster stand-in's state, podman run and the wait for the boot."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import time

from labkit.cards import host_dir
from labkit.common import EMU, HOST_RECIPE, LAB, PREFIX, STATE, LabError, podman
from labkit.network import netns, netsys_dir
from labkit.ssh import boot_dir, ssh_ready
import cluster  # noqa: E402  pylint: disable=wrong-import-position,wrong-import-order,import-error
import mirror  # noqa: E402  pylint: disable=wrong-import-position,wrong-import-order,import-error


def cluster_dir():
    return os.path.join(STATE, 'cluster')


def ensure_cluster(topo):
    """The Proxmox cluster stand-in's state (tests/lab/cluster.py), written before the hosts boot; a kept
    lab keeps its state (maintenance flags, guests shut down); `down` removes it."""
    if not os.path.exists(os.path.join(cluster_dir(), 'cluster.json')):
        cluster.write_state(cluster_dir(), cluster.initial_state(topo))


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
