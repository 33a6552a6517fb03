# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The tools role's decisions, on the controller (PRIVATE to the collection; the action connectx_tools applies them).

From the discovery (plugin_utils/discovery.py) and the role's options:

- :func:`preflight`: the checks before any change - a Debian system; for the MFT flavour the packages set, present on
  the controller and readable, each .deb's Package and Version read here (plugin_utils/deb.py) and refused from MFT
  4.33 on for a host with a ConnectX-3 (tools.support, the one place of the tools' version limits);
- :func:`plan`: what to install (missing, or at another version than pinned), where the pinned mstflint comes from
  (the node's own sources, or on Debian 13 Debian 12's package from bookworm with the apt source and preferences
  files of :func:`bookworm_files`), whether to hold it;
- :func:`install_failure`: the refusal when apt could not install;
- :func:`after_install`: the checks once the tool should be there (installed, a card present, ConnectX-3 supported);
- :func:`summary`: the role's output, one line per fact worth showing.

Every refusal is a :class:`Refusal` (a reason code, the fix, and what has not been changed).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible_collections.homelab.connectx.plugins.module_utils import tools
from ansible_collections.homelab.connectx.plugins.plugin_utils import deb, discovery, paths

# The apt files of the bookworm route, named for what they are for (preferences.d takes no dot but ".pref").
BOOKWORM_SOURCES = '/etc/apt/sources.list.d/connectx-mstflint-bookworm.sources'
BOOKWORM_PREFERENCES = '/etc/apt/preferences.d/connectx-mstflint-bookworm.pref'
NOTHING_ON_ANY_HOST = 'Nothing has been installed or changed on any host.'
NOTHING_ON_THE_CARDS = 'Nothing has been changed on the cards.'
NATIVE = {'route': 'native', 'suite': None, 'packages': [], 'files': {}, 'message': None, 'uri': None}


class Refusal(Exception):
    """A refusal of the tools role: ``reason`` (machine-readable) and ``msg`` (the reason, the fix, what is left)."""

    def __init__(self, reason, msg, **extra):
        Exception.__init__(self, msg)
        self.reason = reason
        self.msg = msg
        self.extra = extra

    def result(self):
        return dict(self.extra, failed=True, reason=self.reason, msg=self.msg)


def missing_packages(packages, wanted):
    """The entries of ``wanted`` (``name`` or ``name=version``) that are not installed, or installed at another version
    than the one pinned, in the order given. ``packages``: mlx_device_info's ``packages`` ({name: {installed, version}})."""
    if not isinstance(wanted, list):
        raise ValueError('the wanted packages must be a list (name or name=version), got %r' % (wanted,))
    if not isinstance(packages, dict):
        raise ValueError('the packages must be those of mlx_device_info (a mapping), got %r' % (packages,))
    missing = []
    for spec in wanted:
        name, _sep, version = str(spec).partition('=')
        state = packages.get(name) or {}
        if not state.get('installed') or (version and state.get('version') != version):
            missing.append(spec)
    return missing


def is_mft_package(name):
    """The packages of an NVIDIA MFT release: mft (flint, mlxconfig, mst), mft-autocomplete, mft-oem, mft-pcap and
    kernel-mft-dkms (mft-<version>-x86_64-deb.tgz), mft-mlx5 and mft-nvredfish (DOCA-Host)."""
    return name == 'mft' or name.startswith('mft-') or name.startswith('kernel-mft')


def mft_packages_check(paths_, families=None):
    """What the role may install from ``paths_`` (connectx_mft_packages as controller paths) on a host whose cards are of
    ``families`` (mlx_device_info's devices[].family): {packages, problems, warnings}.

    Each .deb's Package and Version are read here, on the controller. A problem (refused before any change): a file
    that is not a readable Debian package; no file that is the mft package itself; an MFT package whose version
    tools.support refuses for a card family of the host (MFT 4.33 and later on ConnectX-3/ConnectX-3 Pro). A warning:
    a package this controller cannot read (zstd without Python 3.14 or dpkg-deb) - its version is then checked only
    once installed."""
    if not isinstance(paths_, list):
        raise ValueError('the MFT packages must be a list of .deb paths, got %r' % (paths_,))
    families = [f for f in dict.fromkeys(families or []) if f]
    packages, problems, warnings = [], [], []
    for path in paths_:
        entry = {'path': path, 'package': None, 'version': None, 'error': None}
        packages.append(entry)
        try:
            fields = deb.read_control(path)
        except deb.DebUnreadable as exc:
            entry['error'] = str(exc)
            warnings.append('%s: %s, and there is no dpkg-deb on the controller to read it; its version is checked '
                            'only once it is installed.' % (path, exc))
            continue
        except (deb.DebError, IOError, OSError) as exc:
            entry['error'] = str(exc)
            problems.append('%s is not a Debian package that can be read (%s): connectx_mft_packages takes the .deb '
                            'files of NVIDIA MFT (the DEBS folder of mft-<version>-x86_64-deb.tgz). %s'
                            % (path, exc, NOTHING_ON_ANY_HOST))
            continue
        entry['package'], entry['version'] = fields.get('Package'), fields.get('Version')
        if not entry['package'] or not entry['version']:
            entry['error'] = 'no Package or Version field'
            problems.append('%s has no Package or Version field in its control file: not a package dpkg can install. %s'
                            % (path, NOTHING_ON_ANY_HOST))
            continue
        if not is_mft_package(entry['package']):
            continue
        for family in families:
            support = tools.support('mft', deb.version_tuple(entry['version']), family)
            if not support['supported']:
                problems.append('%s is the package %s %s: %s Fix: %s. %s'
                                % (path, entry['package'], entry['version'], support['message'], support['fix'],
                                   NOTHING_ON_ANY_HOST))
                break
    # Only when every file was read: one that could not be may be the mft package.
    readable = [p for p in packages if not p['error']]
    if readable and len(readable) == len(packages) and 'mft' not in [p['package'] for p in readable]:
        problems.append('None of connectx_mft_packages (%s) is the package mft, the one with flint, mlxconfig and mst '
                        '(DEBS/mft_<version>_amd64.deb of mft-<version>-x86_64-deb.tgz): add it. %s'
                        % (', '.join('%s %s' % (p['package'], p['version']) for p in readable), NOTHING_ON_ANY_HOST))
    return {'packages': packages, 'problems': problems, 'warnings': warnings}


def bookworm_files(uri, signed_by, trusted):
    """{path: content} of the apt source and preferences of the bookworm route (byte for byte the files apt was tried
    with: tests/unit/fixtures/local/trixie-bookworm-route-fresh-node.txt)."""
    route = tools.BOOKWORM_ROUTE
    libraries = ' '.join(route['libraries'])
    taken = 'mstflint %s, %s' % (route['version'], ' and '.join(route['libraries']))
    check = 'Trusted: yes\n' if trusted else 'Signed-By: %s\n' % signed_by
    sources = ('# Managed by homelab.connectx (role tools): Debian 12 "%s" on this Debian 13 node, for Debian 12\'s\n'
               '# mstflint. %s lets apt take only\n# %s from it.\n'
               'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\n%s'
               % (route['suite'], BOOKWORM_PREFERENCES, taken, uri, route['suite'], check))
    preferences = ('# Managed by homelab.connectx (role tools). From Debian 12 "%s" apt takes only mstflint %s (the\n'
                   '# last version whose mstconfig handles ConnectX-3; preferred to any newer mstflint) and the two\n'
                   '# libraries it needs that Debian 13 lacks; no other package ever comes from %s.\n'
                   'Package: mstflint\nPin: version %s\nPin-Priority: 1001\n\n'
                   'Package: %s\nPin: release n=%s\nPin-Priority: 500\n\n'
                   'Package: *\nPin: release n=%s\nPin-Priority: -1\n'
                   % (route['suite'], route['version'], route['suite'], route['version'], libraries, route['suite'],
                      route['suite']))
    return {BOOKWORM_SOURCES: sources, BOOKWORM_PREFERENCES: preferences}


def mstflint_route(os_info, package, uri='http://deb.debian.org/debian',
                   signed_by='/usr/share/keyrings/debian-archive-keyring.pgp', trusted=False):
    """Where the role takes ``package`` from on the node of ``os_info`` (mlx_device_info's ``os``):
    {route, suite, packages, files, message, uri}. ``files``: {path: content} of the apt source and preferences the
    route needs (empty for the node's own sources). ``uri``/``signed_by``/``trusted``: the bookworm source's fields."""
    if os_info is not None and not isinstance(os_info, dict):
        raise ValueError('the os must be that of mlx_device_info (a mapping), got %r' % (os_info,))
    route = tools.mstflint_route(os_info, package)
    if route != 'bookworm':
        return dict(NATIVE, route=route)
    if not uri or not (trusted or signed_by):
        raise Refusal('bookworm_source_invalid',
                      'Debian 13 takes Debian 12\'s mstflint from bookworm, which needs connectx_mstflint_bookworm_uri '
                      'and its keyring connectx_mstflint_bookworm_signed_by (or connectx_mstflint_bookworm_trusted: '
                      'true for an unsigned local mirror). %s' % NOTHING_ON_ANY_HOST)
    names = [tools.BOOKWORM_ROUTE['package']] + list(tools.BOOKWORM_ROUTE['libraries'])
    return {
        'route': route, 'suite': tools.BOOKWORM_ROUTE['suite'], 'packages': names, 'uri': uri,
        'files': bookworm_files(uri, signed_by, bool(trusted)),
        'message': ('Debian 13 has no mstflint that handles ConnectX-3: Debian 12\'s mstflint %s comes from %s (%s), '
                    'pinned so that only %s come from there'
                    % (tools.BOOKWORM_ROUTE['version'], tools.BOOKWORM_ROUTE['suite'], uri, ', '.join(names))),
    }


def install_failure(route, missing, host, apt_message=None, system=None, package=None):
    """The refusal when apt could not install ``missing`` on ``host``: the reason, what apt said, the fix that works for
    the node's ``route`` (:func:`mstflint_route`) and that the cards were not touched."""
    route = route if isinstance(route, dict) else {}
    said = apt_message or 'apt failed'
    if route.get('route') == 'bookworm':
        spec = str(package or '%s=%s' % (tools.BOOKWORM_ROUTE['package'], tools.BOOKWORM_ROUTE['version']))
        uri = route.get('uri') or 'bookworm'
        return ("Debian 12's %s could not be installed from %s (%s) on %s (%s): %s. Debian 13's own mstflint does not "
                "handle ConnectX-3 (4.26 and later dropped it from mstconfig, 4.30 and later crash on ConnectX-3 Pro), and "
                "no other Debian 13 suite has an older one. Fix: make bookworm reachable (connectx_mstflint_bookworm_uri: a "
                "mirror or proxy of it, with connectx_mstflint_bookworm_signed_by) or use NVIDIA MFT %s or earlier "
                "(connectx_tool: mft with connectx_mft_packages). The apt source and preferences the role wrote were "
                "removed. %s"
                % (spec.replace('=', ' '), route.get('suite') or 'bookworm', uri, host, system or 'Debian 13', said,
                   tools.MFT_LAST_CX3, NOTHING_ON_THE_CARDS))
    return ('apt could not install %s on %s: %s. Fix: make the package available in the node\'s apt sources, or use NVIDIA '
            'MFT %s or earlier (connectx_tool: mft with connectx_mft_packages). %s'
            % (', '.join(missing or []) or 'the packages', host, said, tools.MFT_LAST_CX3, NOTHING_ON_THE_CARDS))


def is_debian(os_info):
    """Debian, or a system like it (os-release ID or ID_LIKE); an unknown system (no os-release) is given the benefit."""
    info = os_info if isinstance(os_info, dict) else {}
    return (info.get('id') or 'debian') == 'debian' or 'debian' in str(info.get('id_like') or '').split()


def mft_paths(packages, base):
    """connectx_mft_packages as absolute controller paths (plugin_utils/paths.py: a relative one from the inventory's
    directory ``base``)."""
    try:
        return [paths.controller_path(p, base, 'connectx_mft_packages') for p in packages or []]
    except paths.PathError as exc:
        raise Refusal('path_invalid', '%s. %s' % (exc, NOTHING_ON_ANY_HOST))


def families(cards):
    return [c.get('family') for c in cards or [] if isinstance(c, dict) and c.get('family')]


def preflight(host, tool, os_info, cards, mft_packages):
    """The checks before any change (read-only; the controller's files only): returns the warnings, raises
    :class:`Refusal`. ``mft_packages``: the controller paths (:func:`mft_paths`)."""
    info = os_info if isinstance(os_info, dict) else {}
    if not is_debian(info):
        raise Refusal('not_debian',
                      '%s runs %s; the tools role supports Debian and Proxmox VE hosts only. Fix: remove it from group '
                      'connectx_hosts. %s' % (host, info.get('pretty_name') or 'an unknown system', NOTHING_ON_ANY_HOST))
    if tool != 'mft':
        return []
    if not mft_packages:
        raise Refusal('mft_packages_missing',
                      'connectx_tool is mft but connectx_mft_packages is empty. Fix: download NVIDIA MFT (the .deb files '
                      'of the mft package) and list their paths on the controller, or use connectx_tool: mstflint. %s'
                      % NOTHING_ON_ANY_HOST)
    absent = [p for p in mft_packages if not os.path.isfile(p)]
    if absent:
        raise Refusal('mft_packages_not_found',
                      'MFT package(s) not found on the controller: %s. Fix: correct connectx_mft_packages (a relative '
                      'path is taken from the directory of the inventory). %s' % (', '.join(absent), NOTHING_ON_ANY_HOST))
    checked = mft_packages_check(list(mft_packages), families(cards))
    if checked['problems']:
        raise Refusal('mft_package_refused', '%s: %s' % (host, ' '.join(checked['problems'])), mft=checked['packages'])
    return checked['warnings']


def plan(tool, mstflint_package, extra_packages, hold, packages, os_info, uri, signed_by, trusted):
    """What the role does on the host: {wanted, missing, route, hold, hold_name, apt}.

    ``missing``: the wanted packages not installed or not at the pinned version; ``route``: :func:`mstflint_route`
    (native for the MFT flavour); ``hold``: put the pinned mstflint on hold (an ``apt upgrade``, or the upgrade to
    Proxmox VE 9, would replace it with a version without ConnectX-3 support), unless it is held already;
    ``apt``: whether anything is done with apt at all (a converged host: false, no apt run)."""
    wanted = discovery.wanted(tool, mstflint_package, extra_packages)
    packages = packages if isinstance(packages, dict) else {}
    missing = missing_packages(packages, wanted)
    route = mstflint_route(os_info, mstflint_package, uri, signed_by, trusted) if tool == 'mstflint' else dict(NATIVE)
    name = discovery.package_name(mstflint_package)
    held = bool((packages.get(name) or {}).get('held'))
    hold_needed = bool(tool == 'mstflint' and hold and '=' in str(mstflint_package)
                       and not (held and mstflint_package not in missing))
    return {'wanted': wanted, 'missing': missing, 'route': route, 'hold': hold_needed, 'hold_name': name,
            'apt': bool(missing or hold_needed or route['files'])}


def after_install(host, tool, state, cards, require_devices, check):
    """The checks once the tool should be there: raises :class:`Refusal`. In check mode on a node without the tool the
    install has not happened: only the cards are checked then (the caller says what a run would do)."""
    state = state if isinstance(state, dict) else {}
    name = state.get('name') or tool
    if not check and not state.get('installed'):
        raise Refusal('tool_missing',
                      '%s is not installed on %s although the install step ran. Fix: install %s by hand and run again. %s'
                      % (name, host, state.get('package') or name, NOTHING_ON_THE_CARDS))
    if require_devices and not cards:
        raise Refusal('no_device',
                      'No Mellanox/NVIDIA card (PCI vendor 15b3) found on %s. Fix: check that the card is seated and '
                      'listed by lspci, or set connectx_require_devices: false for this host. %s'
                      % (host, NOTHING_ON_THE_CARDS))
    cx3 = [f for f in dict.fromkeys(families(cards)) if f in tools.CX3_FAMILIES]
    if not cx3 or not state.get('installed'):
        return
    version = deb.version_tuple(str(state.get('version') or '')) if state.get('version') else None
    for family in cx3:
        support = tools.support(name, version, family)
        if not support['supported']:
            raise Refusal(support['reason'] or 'tool_unsupported',
                          '%s %s on %s does not support ConnectX-3/ConnectX-3 Pro: %s Fix: %s. %s'
                          % (name, state.get('version'), host, support['message'], support['fix'],
                             NOTHING_ON_THE_CARDS))
    if state.get('supports_connectx3') is False:  # the module's own verdict, for a version this table cannot read
        raise Refusal('tool_unsupported',
                      '%s %s on %s does not support ConnectX-3/ConnectX-3 Pro. Fix: %s. %s'
                      % (name, state.get('version') or '', host, tools.fix_for(name), NOTHING_ON_THE_CARDS))


def route_note(route, state):
    """What the output says of a tool taken from bookworm (empty otherwise)."""
    state = state if isinstance(state, dict) else {}
    if (route or {}).get('route') != 'bookworm' or not state.get('installed'):
        return ''
    return 'package %s %s from Debian 12 %s, pinned%s' % (state.get('package') or 'mstflint',
                                                          state.get('package_version') or '?', route['suite'],
                                                          ', held' if state.get('held') else '')


def cards_line(host, cards, state, note):
    """One line: the cards (PCI address, part number, PSID, firmware), the tool and where its package comes from."""
    state = state if isinstance(state, dict) else {}
    shown = []
    for card in cards or []:
        text = '%s %s PSID %s FW %s' % (card.get('pci_address'), card.get('part_number') or '?', card.get('psid') or '?',
                                        card.get('fw_version') or '?')
        if card.get('fw_version_running'):
            text += ' (running %s)' % card['fw_version_running']
        shown.append(text + ';')
    tool = '%s %s' % (state.get('name') or '?', (state.get('version') or '?') if state.get('installed')
                      else 'not installed yet')
    return '%s: %s tool %s%s' % (host, ' '.join(shown) or 'no ConnectX card', tool, ' (%s)' % note if note else '')


def summary(host, tool, plan_, cards, state, check, hold):
    """The role's output for one host, in order: where mstflint comes from (bookworm route), what check mode would
    install, the cards and the tool, and in check mode on a node without the tool what a run would do."""
    lines = []
    route = plan_['route']
    if route['route'] == 'bookworm':
        lines.append('%s: %s%s; files %s.' % (host, route['message'], ' (and held)' if hold else '',
                                              ', '.join(route['files'])))
    if check and plan_['missing']:
        lines.append('%s: would install %s (check mode installs nothing)' % (host, ', '.join(plan_['missing'])))
    lines.append(cards_line(host, cards, state, route_note(route, state)))
    state = state if isinstance(state, dict) else {}
    if check and not state.get('installed'):
        lines.append('%s: %d card(s) found in sysfs (%s); a run would install %s, back up each card, then decide the '
                     'burn and the port settings once the PSID and the configuration can be read.'
                     % (host, len(cards or []), ', '.join(c.get('pci_address') or '?' for c in cards or []),
                        state.get('name') or tool))
    return lines
