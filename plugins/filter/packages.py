# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters of the tools role: which of the wanted Debian packages a host still needs, from mlx_device_info's packages;
whether the NVIDIA MFT packages offered on the controller can handle the host's cards, read before they are installed."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.homelab.connectx.plugins.module_utils import tools
from ansible_collections.homelab.connectx.plugins.plugin_utils import deb


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


class FilterModule(object):
    """homelab.connectx package filters."""

    def filters(self):
        return {
            'connectx_missing_packages': connectx_missing_packages,
            'connectx_mft_packages_check': connectx_mft_packages_check,
        }
