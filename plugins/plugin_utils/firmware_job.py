# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The controller's side of a firmware job (the action plugin mlx_firmware): which cards to look at, and the
identity cache of images.

``triage`` only sorts the discovered cards: a card whose flash already holds the target PSID and version
(and runs it) needs nothing, and costs no call on the host; every other card goes to mlx_firmware_burn in
check mode, which decides (and refuses what is unsafe) from what it reads on the card itself.

Every function refuses an argument of the wrong type with a JobError (reason ``invalid_argument``) whose sentence
names the argument and what it must be; the action plugin's typed arguments make that an internal error.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import re
import tempfile

from ansible_collections.homelab.connectx.plugins.plugin_utils import backup
from ansible_collections.homelab.connectx.plugins.plugin_utils.shown import typed as _shown

# \Z, not $: '$' also matches before a trailing newline, and the sha256 names a cache file.
SHA256 = re.compile(r'^[0-9a-f]{64}\Z')


class JobError(ValueError):
    """A job refused on the controller, before anything on the host: message and reason."""

    def __init__(self, message, reason):
        ValueError.__init__(self, message)
        self.reason = reason


CARDS = 'a list of the discovered cards (mappings with a pci_address string, as mlx_device_info returns them)'


def _invalid(argument, must, value):
    return JobError('%s must be %s, got %s. Refused before any change.' % (argument, must, _shown(value)), 'invalid_argument')


def _text(value, argument, must='a string'):
    """``value`` when it is a string, '' for None; JobError otherwise."""
    if value is None:
        return ''
    if not isinstance(value, str):
        raise _invalid(argument, must, value)
    return value


def _flag(value, argument):
    if not isinstance(value, bool):
        raise _invalid(argument, 'true or false', value)
    return value


def _addresses(value, argument):
    """A list of PCI addresses (strings); [] for None."""
    if value is None:
        return []
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise _invalid(argument, 'a list of PCI addresses (strings)', value)
    return list(value)


def _cards(cards, fields=()):
    """``cards`` as a list when it is CARDS and each card's ``fields`` (the ones the caller reads) are strings or null
    (what the tools could not say); JobError otherwise."""
    if not isinstance(cards, (list, tuple)):
        raise _invalid('cards', CARDS, cards)
    for card in cards:
        if not isinstance(card, dict) or not isinstance(card.get('pci_address'), str):
            raise _invalid('each of the cards', 'a mapping with a pci_address string', card)
        wrong = [k for k in fields if not isinstance(card.get(k), (str, type(None)))]
        if wrong:
            raise _invalid('%s of the card %s' % (wrong[0], card['pci_address']), 'a string or null', card[wrong[0]])
    return list(cards)


def check_image(path, sha256):
    """The image on the controller exists, is a regular file and has the pinned sha256; JobError otherwise."""
    if not isinstance(path, str) or not path:
        raise _invalid('the image path', 'a path on the controller (a non-empty string)', path)
    sha256 = _text(sha256, 'the image sha256', 'a sha256 (a string)')
    if not os.path.lexists(path):
        raise JobError('missing image: %s does not exist on the controller. Refused before any change.' % path,
                       'not_found')
    if not os.path.isfile(path):
        raise JobError('image_invalid: %s is not a regular file. Refused before any change.' % path, 'image_invalid')
    digest = backup.sha256_of(path)
    if digest != (sha256 or '').strip().lower():
        raise JobError('checksum_mismatch: %s has sha256 %s, the pin is %s. Refused before any change.'
                       % (path, digest, (sha256 or '').strip().lower() or 'missing'), 'checksum_mismatch')


def restore_job(image, cards, device='', wanted=None, other_card=False):
    """The job that burns a backup (``<psid>_<fw_version>_<guid>.image`` on the controller) back onto its card.

    Its sha256 comes from the SHA256SUMS next to it; the card is ``device`` (or the one selected card); the
    backup's GUID must be the card's unless ``other_card``. Going back to the backup's PSID is the one PSID
    change allowed, and only from the card's current PSID; the card's own backup needs no established fit
    (``unverified_fit``: the card, when the GUIDs match). Returns the burn options; JobError otherwise.
    """
    if not isinstance(image, str) or not image:
        raise _invalid('the restore image', 'a path on the controller (a non-empty string)', image)
    cards = _cards(cards, ('psid', 'base_guid'))
    device = _text(device, 'the restore device', 'a PCI address (a string)')
    wanted = _addresses(wanted, 'the selected cards')
    other_card = _flag(other_card, 'restore_other_card')
    folder, name = os.path.split(image)
    parts = name[:-len('.image')].rsplit('_', 2) if name.endswith('.image') else []
    if len(parts) != 3 or not all(parts):
        raise JobError('%s is not a backup image of this collection (<psid>_<fw_version>_<guid>.image, e.g. '
                       'MT_1090110018_2.40.5030_0002c90300a1b2c0.image); set connectx_restore_image to one. Nothing '
                       'has been changed.' % (name or image), 'restore_invalid')
    sha = backup.read_sums(folder).get(name)
    if not sha:
        raise JobError('%s is not listed in %s/SHA256SUMS (a restore needs the checksum written with the backup). '
                       'Nothing has been changed.' % (name, folder), 'restore_not_listed')
    targets = select(cards, [device] if device else (wanted or []))
    if len(targets) != 1:
        raise JobError('%d cards match: set connectx_restore_device to the PCI address of the card to restore. '
                       'Nothing has been changed.' % len(targets), 'restore_ambiguous')
    card = targets[0]
    guid = parts[2].lower()
    own = (card.get('base_guid') or '').lower()
    if guid.startswith('0x'):
        guid = guid[2:]
    if own.startswith('0x'):
        own = own[2:]
    if not other_card and guid != own:
        raise JobError('the backup %s was taken from the card with GUID %s, this card has %s (set '
                       'connectx_restore_other_card: true to burn it anyway). Nothing has been changed.'
                       % (name, parts[2], card.get('base_guid') or '?'), 'restore_other_card')
    # The card's own backup (its GUID) fits it by where it came from, whatever the board table knows of its PSID.
    return {'sha256': sha, 'select': [card['pci_address']], 'allow_psid_change': parts[0] != card.get('psid'),
            'allowed_psid_changes': [{'from': card.get('psid') or '', 'to': parts[0]}], 'force': False,
            'unverified_fit': [card['pci_address']] if own and guid == own else []}


def short_bdf(address):
    """0000:03:00.0 -> 03:00.0 (the form without the PCI domain)."""
    return re.sub(r'^[0-9a-fA-F]{4}:', '', _text(address, 'the PCI address'))


def select(cards, wanted):
    """The cards whose PCI address is in ``wanted`` (with or without the domain); all of them when it is empty."""
    cards = _cards(cards)
    wanted = _addresses(wanted, 'the selected cards')
    if not wanted:
        return list(cards)
    names = set(wanted) | set(short_bdf(w) for w in wanted)
    return [c for c in cards if c.get('pci_address') in names or short_bdf(c.get('pci_address')) in names]


def triage(cards, target, force=False):
    """(to check, reboot pending, at target) for the selected cards against target {psid, fw_version}.

    to check: the flash is not the target (or force); the burn module decides.
    reboot pending: the flash is the target but the card still runs another version (burned, not rebooted).
    """
    cards = _cards(cards, ('psid', 'fw_version', 'fw_version_running'))
    if not isinstance(target, dict) or not all(isinstance(target.get(k), str) and target.get(k) for k in ('psid', 'fw_version')):
        raise _invalid('the target', 'a mapping with the image\'s psid and fw_version (strings)', target)
    force = _flag(force, 'force')
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
    cache_dir = _text(cache_dir, 'the image cache folder', 'a path (a string)')
    sha256 = _text(sha256, 'the image sha256', 'a sha256 (a string)')
    if not cache_dir or not SHA256.match(sha256):
        return None
    try:
        with open(os.path.join(cache_dir, '%s.json' % sha256)) as handle:
            info = json.load(handle)
    except (IOError, OSError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(info, dict) or not all(isinstance(info.get(k), str) and info.get(k) for k in ('psid', 'fw_version')):
        return None
    return info


def cache_identity(cache_dir, sha256, info):
    """Keep an image's identity (what mlx_image_info returned, without its path) for the next runs."""
    cache_dir = _text(cache_dir, 'the image cache folder', 'a path (a string)')
    sha256 = _text(sha256, 'the image sha256', 'a sha256 (a string)')
    if not isinstance(info, dict):
        raise _invalid('the image identity', 'a mapping (what mlx_image_info returned)', info)
    if not cache_dir or not SHA256.match(sha256) or info.get('sha256', sha256) != sha256:
        return None
    fields = ('psid', 'fw_version', 'device_ids', 'image_type', 'rom_version', 'sha256', 'supported', 'description')
    keep = dict((k, v) for k, v in info.items() if k in fields)
    # The cache only saves work: a folder that cannot be written (or a race of hosts creating it) is not an error.
    try:
        os.makedirs(cache_dir, 0o700, exist_ok=True)
        handle, tmp = tempfile.mkstemp(prefix='.%s.' % sha256, dir=cache_dir)
        with os.fdopen(handle, 'w') as out:
            json.dump(keep, out, indent=1, sort_keys=True)
        os.chmod(tmp, 0o600)
        os.rename(tmp, os.path.join(cache_dir, '%s.json' % sha256))
    except (IOError, OSError, TypeError, ValueError):
        return None
    return keep
