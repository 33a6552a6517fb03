# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The emulated cards of each host (tests/lab/emulator/cardctl.py, state in .cache/lab/hosts/<host>/fakemlx)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import json
import os
import sys

from labkit.common import EMU, STATE, run


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
                '--serial', 'MT1604K%05d' % (sum(map(ord, name)) * 7 + i), '--vsc' if card.get('vsc') else '--no-vsc')
    return root


def cardctl(host, *args, **kw):
    """tests/lab/emulator/cardctl.py on the host's emulated cards (the one place of its argv)."""
    return run([sys.executable, os.path.join(EMU, 'cardctl.py'), '--root', os.path.join(host_dir(host), 'fakemlx')] + list(args), **kw)


def card_states(name):
    res = cardctl(name, 'show', check=False)
    try:
        return json.loads(res.stdout)
    except ValueError:
        return {}
