# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Print (JSON) what the roles may change on a lab host, for guard.yml to compare around check mode.

Files: sha256 of everything under the directories the roles write to, and of the emulated cards'
flash, NV config and VPD; state: loaded modules, links and addresses, installed packages, reboots.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import json
import os
import subprocess

WATCHED = ('/etc/modprobe.d', '/etc/modules-load.d', '/etc/modules', '/etc/network', '/var/lib/connectx',
           '/var/log/cxlab-initramfs.log', '/var/lib/fakemlx/cards')
# Changed by reads too (the emulator's counters and semaphores), compared through their meaning instead.
SKIP = ('hw.bin', 'hw', 'faults')


def sha256(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        digest.update(handle.read())
    return digest.hexdigest()


def files():
    out = {}
    for top in WATCHED:
        if os.path.isfile(top):
            out[top] = sha256(top)
        for root, dirs, names in os.walk(top):
            dirs.sort()
            for name in sorted(names):
                if name not in SKIP:
                    path = os.path.join(root, name)
                    out[path] = sha256(path) if os.path.isfile(path) else 'not a file'
    return out


def command(argv):
    res = subprocess.run(argv, capture_output=True, text=True, check=False)
    return res.stdout.splitlines()


def main():
    with open('/proc/modules') as handle:
        modules = sorted(line.split()[0] for line in handle if line.strip())
    with open('/run/boot_id') as handle:
        boot_id = handle.read().strip()
    print(json.dumps({
        'files': files(),
        'modules': modules,
        'links': command(['ip', '-br', 'link', 'show']),
        'addresses': command(['ip', '-br', 'addr', 'show']),
        'packages': command(['dpkg-query', '--show', '--showformat=${Package} ${Version} ${db:Status-Status}\\n']),
        'boot_id': boot_id,
    }, sort_keys=True))


if __name__ == '__main__':
    main()
