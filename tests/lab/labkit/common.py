# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What every part of the lab shares: its paths and names, LabError, log, and the one way it runs a command."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import subprocess
import sys

LAB = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(os.path.dirname(LAB))
STATE = os.path.join(REPO, '.cache', 'lab')
EMU = os.path.join(LAB, 'emulator')
HOST_RECIPE = os.path.join(LAB, 'host')
PREFIX = 'cxlab'
BRIDGE = 'cxlab0'
MIRROR = os.environ.get('CXLAB_MIRROR', 'http://deb.debian.org/debian')
LINK_DELAY = os.environ.get('CXLAB_LINK_DELAY', '3')
# The lab's sibling modules (firmware/build_image.py, emulator/cardctl.py, cluster.py, mirror.py), as labctl.py
# always found them: emulator first, then tests/lab, then firmware.
for _path in (os.path.join(LAB, 'firmware'), LAB, EMU):
    if _path not in sys.path:
        sys.path.insert(0, _path)

# The Debian release of a host's image (topology ``os``): Proxmox VE 8 is Debian 12 "bookworm", Proxmox VE 9 is Debian 13
# "trixie" (what a homelab installs since August 2025: its mstflint 4.31 does not handle ConnectX-3).
OS_SUITES = {'pve8': 'bookworm', 'pve9': 'trixie'}


def host_suite(host):
    return OS_SUITES[host.get('os', 'pve8')]


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
