# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Steps shared by the firmware modules: read a card, inspect an image, name and check backups.

Every step either returns what it found or refuses (fail_json with a reason) before anything is
written to a card.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re

from ansible_collections.homelab.connectx.plugins.module_utils.common import (
    refuse, sha256_file, normalize_bdf, mellanox_devices, read_sysfs, vpd_fields)
from ansible_collections.homelab.connectx.plugins.module_utils.errors import ParseError
from ansible_collections.homelab.connectx.plugins.module_utils import parse_flint, sums, tools

SYSFS_PCI = '/sys/bus/pci/devices'
SUMS_FILE = sums.SUMS_FILE
ITEMS = ('image', 'config', 'rom', 'vpd')
_PORT_ATTR_RE = re.compile(r'^mlx4_port(\d+)\Z')


def find_card(module, runner, device, sysfs_pci=SYSFS_PCI):
    """(bdf, sysfs dir) of a Mellanox card, or refuse with no_device."""
    cards = mellanox_devices(sysfs_pci)
    bdf = normalize_bdf(device)
    if bdf not in cards:
        refuse(module, runner, 'No Mellanox card at PCI address %s (found: %s); check the address with '
               'homelab.connectx.mlx_device_info.' % (device, ', '.join(sorted(cards)) or 'none'),
               'no_device', device=device, found=sorted(cards))
    return bdf, cards[bdf]


def query_card(module, runner, flavour, bdf):
    """parse_flint.parse_query of ``<flint> -d BDF q``; refuses with the tool's reason."""
    result = runner.run(tools.argv(flavour, 'query', device=bdf))
    if result.ok:
        try:
            return parse_flint.parse_query(result.stdout)
        except ParseError as exc:
            refuse(module, runner, 'The query of %s printed something unexpected (%s); check the tool version.'
                   % (bdf, exc), 'unexpected_output', result=result)
    error = parse_flint.classify_error(result.output, result.rc)
    reason = {'no_device': 'no_device', 'semaphore': 'semaphore', 'unsupported': 'tool_unsupported',
              'permission': 'permission'}.get(error['reason'], 'query_failed')
    hint = {'semaphore': ' Another flint may be running; if none is, run "%s -d %s -clear_semaphore".' % (tools.TOOL_COMMANDS[flavour]['flint'], bdf),
            'permission': ' Run as root (become: true).'}.get(error['reason'], '')
    refuse(module, runner, 'Cannot query the card at %s: %s.%s' % (bdf, error['message'].rstrip('.'), hint), reason,
           result=result, tool_reason=error['reason'])
    return None


def card_key(info):
    """<psid>_<fw_version>_<base_guid>: the name of a card's firmware backup (MAC when no GUID)."""
    ident = info.get('base_guid') or info.get('base_mac') or 'unknown'
    return '%s_%s_%s' % (info.get('psid') or 'unknown', info.get('fw_version') or 'unknown', ident)


def backup_path(dest, info, item):
    return os.path.join(dest, '%s.%s' % (card_key(info), item))


def read_sums(dest):
    """{file name: sha256} of dest/SHA256SUMS (both sha256sum formats, module_utils/sums.py); {} when absent or
    unreadable. A name listed twice with different checksums maps to None: no backup is intact by it."""
    try:
        return sums.load(os.path.join(dest, SUMS_FILE)).entries()
    except sums.SumsError:
        return {}


def backup_is_intact(dest, name, listed=None):
    """True when dest/name exists and its sha256 is the one in SHA256SUMS."""
    path = os.path.join(dest, name)
    listed = read_sums(dest) if listed is None else listed
    if not listed.get(name) or not os.path.isfile(path):
        return False
    try:
        return sha256_file(path) == listed[name]
    except (IOError, OSError):
        return False


def check_image_file(module, runner, path):
    """Refuse a path that is not a readable regular file, before any tool runs."""
    if not os.path.lexists(path):
        refuse(module, runner, 'The image file %s does not exist; check the path.' % path, 'not_found', path=path)
    if os.path.isdir(path):
        refuse(module, runner, 'The image path %s is a directory; give the path of the .bin image file.' % path,
               'image_invalid', path=path)
    if not os.path.isfile(path):
        refuse(module, runner, 'The image path %s is not a regular file; give the path of the .bin image file.' % path,
               'image_invalid', path=path)
    try:
        with open(path, 'rb') as handle:
            handle.read(1)
    except (OSError, IOError) as exc:
        refuse(module, runner, 'The image file %s cannot be read (%s); fix its permissions.' % (path, exc),
               'image_invalid', path=path)


def verified(result):
    """(ok, parsed verify) of a ``v`` run: rc 0 and the tool's own success line, no failed section."""
    try:
        parsed = parse_flint.parse_verify(result.output)
    except ParseError:
        parsed = {'ok': False, 'failsafe': None, 'message': result.output.strip() or 'no output'}
    return bool(result.ok and parsed.get('ok')), parsed


def verify_image_file(runner, flavour, path):
    """(ok, parsed verify, result) of ``<flint> -i PATH v``."""
    result = runner.run(tools.argv(flavour, 'image_verify', image=path))
    ok, parsed = verified(result)
    return ok, parsed, result


def inspect_image(module, runner, flavour, path, burnable_only=False):
    """Query, verify and hash an image; refuse an image the tool cannot read or verify.

    ``burnable_only``: refuse an image of another generation than FS2 (ConnectX-3 / 3 Pro) right after the query,
    before it is verified (reason device_mismatch)."""
    check_image_file(module, runner, path)
    query = runner.run(tools.argv(flavour, 'image_query', image=path))
    if not query.ok:
        refuse(module, runner, 'The tool could not read %s as a firmware image: %s. Use an image file '
               'from the vendor.' % (path, query.output.strip()), 'image_invalid', result=query, path=path)
    try:
        info = parse_flint.parse_query(query.stdout)
    except ParseError as exc:
        refuse(module, runner, 'The query output for %s could not be understood (%s); check the image and '
               'the tool version.' % (path, exc), 'image_invalid', result=query, path=path)
    if burnable_only and not info.get('supported'):
        refuse(module, runner, 'The image %s is a %s image, not a ConnectX-3 (FS2) one; use the image for this card.'
               % (path, info.get('image_type') or 'unknown'), 'device_mismatch', result=query, path=path,
               image_type=info.get('image_type'))
    ok, ver, verify = verify_image_file(runner, flavour, path)
    if not ok:
        refuse(module, runner, 'The image %s does not verify (%s); download it again.'
               % (path, ver.get('message') or verify.output.strip()), 'image_invalid', result=verify, path=path)
    try:
        digest = sha256_file(path)
    except (OSError, IOError) as exc:
        refuse(module, runner, 'The image file %s cannot be read (%s); fix its permissions.' % (path, exc),
               'image_invalid', path=path)
    device_id = info.get('device_id')
    return dict(
        psid=info.get('psid'),
        fw_version=info.get('fw_version'),
        image_type=info.get('image_type'),
        supported=bool(info.get('supported')),
        device_ids=[str(device_id)] if device_id is not None else [],
        rom_version=info.get('rom_version'),
        description=info.get('description'),
        sha256=digest,
        verified=True,
        failsafe=bool(ver.get('failsafe')),
    )


def sysfs_ports(devdir):
    """What sysfs says of a card's ports: {driver_ports, netdev_ports}, each None when it says nothing.

    driver_ports: the mlx4_portN attributes mlx4_core creates, one per port (mlx4_init_port_info() in the
    kernel's drivers/net/ethernet/mellanox/mlx4/main.c). netdev_ports: the highest dev_port + 1 of the card's
    netdevs (mlx4_en sets dev_port = port - 1, en_netdev.c), which proves only that many ports at least."""
    try:
        names = os.listdir(devdir)
    except OSError:
        names = []
    driver = [int(m.group(1)) for m in (_PORT_ATTR_RE.match(n) for n in names) if m]
    netdev = 0
    netdir = os.path.join(devdir, 'net')
    for name in (sorted(os.listdir(netdir)) if os.path.isdir(netdir) else []):
        value = read_sysfs(os.path.join(netdir, name, 'dev_port')) or ''
        if value.isdigit():
            netdev = max(netdev, int(value) + 1)
    return {'driver_ports': max(driver) if driver else None, 'netdev_ports': netdev or None}


def read_part_number(runner, flavour, bdf):
    """The card's VPD part number (PN) from mstvpd/mlxvpd; None when the tool cannot read it."""
    result = runner.run(tools.argv(flavour, 'vpd', device=bdf))
    return vpd_fields(result.output).get('PN') if result.ok else None


def read_prs_name(runner, flavour, device=None, image=None):
    """The PRS name (the board description the firmware was built from) of ``q full`` of a card or an image;
    None when the tool prints none."""
    job = 'image_query_full' if image else 'query_full'
    result = runner.run(tools.argv(flavour, job, device=device, image=image))
    if not result.ok:
        return None
    try:
        return parse_flint.parse_query(result.stdout).get('prs_name')
    except ParseError:
        return None
