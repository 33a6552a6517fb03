# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which tool flavour is installed, and what its version can still do for ConnectX-3.

The version cliff (checked once here, refused with a fix by modules and the tools role):
- mstflint 4.26+: mstconfig drops 4th-generation devices, "-E- Unsupported device" on ConnectX-3
  and ConnectX-3 Pro (Mellanox/mstflint#590; fixture mlxconfig/cx3-mstconfig-4.26-Unsupported-device...).
- mstflint 4.30+: `query` segfaults on ConnectX-3 Pro (Mellanox/mstflint#1157; fixtures
  flint_query/cx3pro-mstflint-4.31-segfault.txt and ...-issue1157.txt). Debian 13 / PVE 9 ship 4.31.
- NVIDIA MFT 4.33+: the MFT documentation's "Supported Adapter Cards Firmware Versions" lists ConnectX-3/ConnectX-3 Pro
  (firmware 2.42.5000) among the supported legacy adapters up to MFT 4.32 and no longer from 4.33 on. No public output
  shows an MFT of 4.33 or later working on these cards, so it is refused (the tools role refuses the package before it
  is installed, from the .deb's Version field: plugins/plugin_utils/deb.py).
Debian 12 / Proxmox VE 8 ship mstflint 4.21.0+1-1, which does everything; so does MFT up to 4.32.

On Debian 13 the same 4.21.0+1-1 package comes from Debian 12 "bookworm" (BOOKWORM_ROUTE): of its dependencies
only libboost-filesystem1.74.0 and libjsoncpp25 are missing from Debian 13 (its libssl3 is provided by
libssl3t64, the rest at Debian 13's versions). Tried in a Debian 13 root filesystem: with apt preferences that
let only those three packages come from bookworm, `apt-get install mstflint=4.21.0+1-1` installs them and
nothing else from bookworm, and the tool queries, burns and configures the emulated ConnectX-3 cards
(tests/unit/fixtures/local/trixie-bookworm-route-*.txt).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

TOOL_COMMANDS = {
    'mstflint': {'flint': 'mstflint', 'config': 'mstconfig', 'vpd': 'mstvpd', 'reset': 'mstfwreset'},
    'mft': {'flint': 'flint', 'config': 'mlxconfig', 'vpd': 'mlxvpd', 'mst': 'mst', 'manager': 'mlxfwmanager'},
}
MSTFLINT_NO_CX3_CONFIG = (4, 26, 0)
MSTFLINT_CX3PRO_QUERY_CRASH = (4, 30, 0)
DEBIAN12_MSTFLINT = '4.21.0+1-1'
MFT_NO_CX3 = (4, 33, 0)
MFT_LAST_CX3 = '4.32'
# Debian 13 (Proxmox VE 9): Debian 12's mstflint from the bookworm suite, with the only two libraries of its
# dependencies that Debian 13 lacks; apt preferences keep every other bookworm package out.
BOOKWORM_ROUTE = {
    'releases': ('13',), 'codenames': ('trixie',), 'suite': 'bookworm', 'package': 'mstflint',
    'version': DEBIAN12_MSTFLINT, 'libraries': ('libboost-filesystem1.74.0', 'libjsoncpp25'),
}
FIX = ('install Debian 12\'s mstflint %s and hold it: on Debian 12 / Proxmox VE 8 apt-get install mstflint=%s; '
       'apt-mark hold mstflint; on Debian 13 / Proxmox VE 9 the same package from the bookworm suite, with apt '
       'preferences that let only mstflint %s, %s come from bookworm (the tools role does both); or use NVIDIA MFT '
       '%s or earlier (connectx_tool: mft)'
       % (DEBIAN12_MSTFLINT, DEBIAN12_MSTFLINT, DEBIAN12_MSTFLINT, ' and '.join(BOOKWORM_ROUTE['libraries']),
          MFT_LAST_CX3))
CX3_FAMILIES = ('connectx3', 'connectx3pro')
MFT_FIX = ('use NVIDIA MFT %s or earlier (the last release whose "Supported Adapter Cards Firmware Versions" lists '
           'ConnectX-3/ConnectX-3 Pro, firmware 2.42.5000) in connectx_mft_packages, or Debian 12\'s mstflint %s '
           '(connectx_tool: mstflint)' % (MFT_LAST_CX3, DEBIAN12_MSTFLINT))


# The arguments of each job, the same in both flavours (MFT's flint is where mstflint comes from), but the VPD
# reader: MFT's mlxvpd takes -d, mstvpd the device alone. The one place where the card tools' argv is spelled.
JOBS = {
    'version': ('flint', ['--version']),
    'query': ('flint', ['-d', '{device}', 'q']),
    'query_full': ('flint', ['-d', '{device}', 'q', 'full']),
    'verify': ('flint', ['-d', '{device}', 'v']),
    'image_query': ('flint', ['-i', '{image}', 'q']),
    'image_query_full': ('flint', ['-i', '{image}', 'q', 'full']),
    'image_verify': ('flint', ['-i', '{image}', 'v']),
    'burn': ('flint', ['-d', '{device}', '-i', '{image}', '{options}', '-y', 'burn']),
    'read_image': ('flint', ['-d', '{device}', 'ri', '{path}']),
    'read_config': ('flint', ['-d', '{device}', 'dc', '{path}']),
    'read_rom': ('flint', ['-d', '{device}', 'rrom', '{path}']),
    'vpd': ('vpd', ['{device}']),
    'config_query': ('config', ['-d', '{device}', 'q']),
    'config_set': ('config', ['-d', '{device}', '-y', 'set', '{options}']),
    'mst_status': ('mst', ['status', '-v']),
}


def argv(flavour, job, device=None, image=None, path=None, options=()):
    """The argument list of ``job`` (see JOBS) in ``flavour``; ``options`` are spliced in where the job takes them
    (``-allow_psid_change`` for a burn, ``NAME=VALUE`` words for config_set)."""
    command, template = JOBS[job]
    out = [TOOL_COMMANDS[flavour][command]]
    if job == 'vpd' and flavour == 'mft':
        out.append('-d')
    values = {'{device}': device, '{image}': image, '{path}': path}
    for word in template:
        if word == '{options}':
            out.extend(options)
        elif word in values:
            if values[word] is None:
                raise ValueError('%s needs %s' % (job, word.strip('{}')))
            out.append(values[word])
        else:
            out.append(word)
    return out


def flavour_for(available):
    """'mft' when flint is there, else 'mstflint' when mstflint is there, else None."""
    names = set(available or [])
    if 'flint' in names:
        return 'mft'
    if 'mstflint' in names:
        return 'mstflint'
    return None


def fix_for(flavour):
    """The fix to give when ``flavour`` cannot handle a ConnectX-3 card: the other route (FIX, MFT_FIX)."""
    return MFT_FIX if flavour == 'mft' else FIX


def version_key(version_tuple):
    """(major, minor, patch) ints from a version tuple or list (missing parts are 0); None when there is none."""
    if not version_tuple:
        return None
    parts = [int(v) for v in list(version_tuple)[:3]]
    return tuple(parts + [0] * (3 - len(parts)))


def support(flavour, version_tuple, family):
    """What the tool at this version can do on this card family: {supported, query, burn, config, reason, message, fix}."""
    result = {'supported': True, 'query': True, 'burn': True, 'config': True, 'reason': None, 'message': None,
              'fix': None}
    version = version_key(version_tuple)
    if flavour not in ('mstflint', 'mft') or family not in CX3_FAMILIES or not version:
        # Unknown families and unknown versions are not refused here (the tool itself will say).
        return result
    shown = '.'.join(str(v) for v in version)
    problems = []
    if flavour == 'mft':
        if version >= MFT_NO_CX3:
            result['query'] = result['burn'] = result['config'] = False
            problems.append('NVIDIA MFT %s does not support ConnectX-3/ConnectX-3 Pro cards (from MFT 4.33 on, its '
                            '"Supported Adapter Cards Firmware Versions" no longer lists them; the last MFT that does '
                            'is %s)' % (shown, MFT_LAST_CX3))
    else:
        if version >= MSTFLINT_NO_CX3_CONFIG:
            result['config'] = False
            problems.append('mstconfig %s no longer supports ConnectX-3 cards (dropped in 4.26, "-E- Unsupported device")'
                            % shown)
        if family == 'connectx3pro' and version >= MSTFLINT_CX3PRO_QUERY_CRASH:
            result['query'] = result['burn'] = False
            problems.append('mstflint %s crashes (segmentation fault) on query of a ConnectX-3 Pro (since 4.30)' % shown)
    if problems:
        result.update({'supported': False, 'reason': 'tool_unsupported',
                       'message': '; '.join(problems) + '.', 'fix': fix_for(flavour)})
    return result


def mstflint_route(os_info, package):
    """Where the tools role installs ``package`` (``mstflint`` or ``mstflint=VERSION``) from on the node of
    ``os_info`` (mlx_device_info's ``os``): 'bookworm' for Debian 12's 4.21.0+1-1 on Debian 13 (BOOKWORM_ROUTE),
    else 'native' (the node's own apt sources, as on Debian 12)."""
    info = os_info if isinstance(os_info, dict) else {}
    name, _sep, version = str(package or '').partition('=')
    debian = info.get('id') == 'debian'  # Proxmox VE keeps Debian's os-release; derivatives number their own releases
    release = str(info.get('version_id') or '')
    codename = str(info.get('version_codename') or '')
    if (debian and name == BOOKWORM_ROUTE['package'] and version == BOOKWORM_ROUTE['version']
            and (release in BOOKWORM_ROUTE['releases'] or codename in BOOKWORM_ROUTE['codenames'])):
        return 'bookworm'
    return 'native'
