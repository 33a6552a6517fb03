# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters of the tools role: which of the wanted Debian packages a host still needs, from mlx_device_info's packages;
whether the NVIDIA MFT packages offered on the controller can handle the host's cards, read before they are installed;
where the pinned mstflint comes from on the node's release, with the apt files that route needs."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.homelab.connectx.plugins.module_utils import tools
from ansible_collections.homelab.connectx.plugins.plugin_utils import deb

# The apt files of the bookworm route, named for what they are for (preferences.d takes no dot but ".pref").
BOOKWORM_SOURCES = '/etc/apt/sources.list.d/connectx-mstflint-bookworm.sources'
BOOKWORM_PREFERENCES = '/etc/apt/preferences.d/connectx-mstflint-bookworm.pref'


def connectx_missing_packages(packages, wanted):
    """The entries of ``wanted`` (``name`` or ``name=version``) that are not installed, or installed at another version
    than the one pinned, in the order given. ``packages``: mlx_device_info's ``packages`` ({name: {installed, version}})."""
    if not isinstance(wanted, list):
        raise AnsibleFilterError('connectx_missing_packages expects a list of packages (name or name=version), got %r'
                                 % (wanted,))
    if not isinstance(packages, dict):
        raise AnsibleFilterError('connectx_missing_packages expects the packages of mlx_device_info (a mapping), got %r'
                                 % (packages,))
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


def connectx_mft_packages_check(paths, families=None):
    """What the tools role may install from ``paths`` (connectx_mft_packages as controller paths) on a host whose
    cards are of ``families`` (mlx_device_info's devices[].family): {packages, problems, warnings}.

    Each .deb's Package and Version are read here, on the controller (plugin_utils/deb.py). A problem (the role
    refuses before any change): a file that is not a readable Debian package; no file that is the mft package itself;
    an MFT package whose version tools.support refuses for a card family of the host (MFT 4.33 and later on
    ConnectX-3/ConnectX-3 Pro). A warning: a package this controller cannot read (zstd without Python 3.14 or
    dpkg-deb) - its version is then checked only once installed."""
    if not isinstance(paths, list):
        raise AnsibleFilterError('connectx_mft_packages_check expects a list of .deb paths, got %r' % (paths,))
    families = [f for f in dict.fromkeys(families or []) if f]
    packages, problems, warnings = [], [], []
    for path in paths:
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
                            'files of NVIDIA MFT (the DEBS folder of mft-<version>-x86_64-deb.tgz). Nothing has been '
                            'installed or changed on any host.' % (path, exc))
            continue
        entry['package'], entry['version'] = fields.get('Package'), fields.get('Version')
        if not entry['package'] or not entry['version']:
            entry['error'] = 'no Package or Version field'
            problems.append('%s has no Package or Version field in its control file: not a package dpkg can install. '
                            'Nothing has been installed or changed on any host.' % path)
            continue
        if not is_mft_package(entry['package']):
            continue
        for family in families:
            support = tools.support('mft', deb.version_tuple(entry['version']), family)
            if not support['supported']:
                problems.append('%s is the package %s %s: %s Fix: %s. Nothing has been installed or changed on any host.'
                                % (path, entry['package'], entry['version'], support['message'], support['fix']))
                break
    # Only when every file was read: one that could not be may be the mft package.
    readable = [p for p in packages if not p['error']]
    if readable and len(readable) == len(packages) and 'mft' not in [p['package'] for p in readable]:
        problems.append('None of connectx_mft_packages (%s) is the package mft, the one with flint, mlxconfig and mst '
                        '(DEBS/mft_<version>_amd64.deb of mft-<version>-x86_64-deb.tgz): add it. Nothing has been '
                        'installed or changed on any host.'
                        % ', '.join('%s %s' % (p['package'], p['version']) for p in readable))
    return {'packages': packages, 'problems': problems, 'warnings': warnings}


def _bookworm_files(uri, signed_by, trusted):
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


def connectx_mstflint_route(os_info, package, uri='http://deb.debian.org/debian',
                            signed_by='/usr/share/keyrings/debian-archive-keyring.pgp', trusted=False):
    """Where the tools role takes ``package`` from on the node of ``os_info`` (mlx_device_info's ``os``):
    {route, suite, packages, files, message}. ``files``: {path: content} of the apt source and preferences the route
    needs (empty for the node's own sources). ``uri``/``signed_by``/``trusted``: the bookworm source's fields."""
    if os_info is not None and not isinstance(os_info, dict):
        raise AnsibleFilterError('connectx_mstflint_route expects the os of mlx_device_info (a mapping), got %r'
                                 % (os_info,))
    route = tools.mstflint_route(os_info, package)
    if route != 'bookworm':
        return {'route': route, 'suite': None, 'packages': [], 'files': {}, 'message': None, 'uri': None}
    if not uri or not (trusted or signed_by):
        raise AnsibleFilterError('connectx_mstflint_route needs the bookworm source\'s URI and its Signed-By keyring '
                                 '(or trusted=true for an unsigned local mirror)')
    names = [tools.BOOKWORM_ROUTE['package']] + list(tools.BOOKWORM_ROUTE['libraries'])
    return {
        'route': route, 'suite': tools.BOOKWORM_ROUTE['suite'], 'packages': names, 'uri': uri,
        'files': _bookworm_files(uri, signed_by, bool(trusted)),
        'message': ('Debian 13 has no mstflint that handles ConnectX-3: Debian 12\'s mstflint %s comes from %s (%s), '
                    'pinned so that only %s come from there'
                    % (tools.BOOKWORM_ROUTE['version'], tools.BOOKWORM_ROUTE['suite'], uri, ', '.join(names))),
    }


def connectx_tools_install_failure(route, missing, host, apt_message=None, system=None, package=None):
    """The refusal of the tools role when apt could not install ``missing`` on ``host``: the reason, what apt said, the
    fix that works for the node's ``route`` (connectx_mstflint_route's result) and that the cards were not touched."""
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
                "removed. Nothing has been changed on the cards."
                % (spec.replace('=', ' '), route.get('suite') or 'bookworm', uri, host, system or 'Debian 13', said,
                   tools.MFT_LAST_CX3))
    return ('apt could not install %s on %s: %s. Fix: make the package available in the node\'s apt sources, or use NVIDIA '
            'MFT %s or earlier (connectx_tool: mft with connectx_mft_packages). Nothing has been changed on the cards.'
            % (', '.join(missing or []) or 'the packages', host, said, tools.MFT_LAST_CX3))


class FilterModule(object):
    """homelab.connectx package filters."""

    def filters(self):
        return {
            'connectx_missing_packages': connectx_missing_packages,
            'connectx_mft_packages_check': connectx_mft_packages_check,
            'connectx_mstflint_route': connectx_mstflint_route,
            'connectx_tools_install_failure': connectx_tools_install_failure,
        }
