# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The controller's side of a firmware job (the action plugin mlx_firmware): which cards to look at, and the
identity cache of images.

``triage`` only sorts the discovered cards: a card whose flash already holds the target PSID and version
(and runs it) needs nothing, and costs no call on the host; every other card goes to mlx_firmware_burn in
check mode, which decides (and refuses what is unsafe) from what it reads on the card itself.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import re
import tempfile

SHA256 = re.compile(r'^[0-9a-f]{64}$')


def short_bdf(address):
    """0000:03:00.0 -> 03:00.0 (the form without the PCI domain)."""
    return re.sub(r'^[0-9a-fA-F]{4}:', '', address or '')


def select(cards, wanted):
    """The cards whose PCI address is in ``wanted`` (with or without the domain); all of them when it is empty."""
    if not wanted:
        return list(cards)
    names = set(wanted) | set(short_bdf(w) for w in wanted)
    return [c for c in cards if c.get('pci_address') in names or short_bdf(c.get('pci_address')) in names]


def triage(cards, target, force=False):
    """(to check, reboot pending, at target) for the selected cards against target {psid, fw_version}.

    to check: the flash is not the target (or force); the burn module decides.
    reboot pending: the flash is the target but the card still runs another version (burned, not rebooted).
    """
    check, pending, done = [], [], []
    for card in cards:
        at_target = card.get('psid') == target.get('psid') and card.get('fw_version') == target.get('fw_version')
        running = card.get('fw_version_running')
        if force or not at_target:
            check.append(card)
        elif running and running != card.get('fw_version'):
            pending.append(card)
        else:
            done.append(card)
    return check, pending, done


def cached_identity(cache_dir, sha256):
    """The cached identity of the image with this sha256 ({psid, fw_version, ...}), or None."""
    if not cache_dir or not SHA256.match(sha256 or ''):
        return None
    try:
        with open(os.path.join(cache_dir, '%s.json' % sha256)) as handle:
            info = json.load(handle)
    except (IOError, OSError, ValueError):
        return None
    if not isinstance(info, dict) or not info.get('psid') or not info.get('fw_version'):
        return None
    return info


def cache_identity(cache_dir, sha256, info):
    """Keep an image's identity (what mlx_image_info returned, without its path) for the next runs."""
    if not cache_dir or not SHA256.match(sha256 or '') or info.get('sha256', sha256) != sha256:
        return None
    fields = ('psid', 'fw_version', 'device_ids', 'image_type', 'rom_version', 'sha256', 'supported', 'description')
    keep = dict((k, v) for k, v in info.items() if k in fields)
    if not os.path.isdir(cache_dir):
        os.makedirs(cache_dir, 0o700)
    handle, tmp = tempfile.mkstemp(prefix='.%s.' % sha256, dir=cache_dir)
    with os.fdopen(handle, 'w') as out:
        json.dump(keep, out, indent=1, sort_keys=True)
    os.chmod(tmp, 0o600)
    os.rename(tmp, os.path.join(cache_dir, '%s.json' % sha256))
    return keep
