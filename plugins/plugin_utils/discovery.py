# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one discovery of a host, as the action plugins ask it (PRIVATE to the collection).

One mlx_device_info call per host reads the cards, the tool, the Debian packages the tools role installs (one
dpkg-query), /etc/os-release and the default routes. :func:`module_args` gives that call's options (the same for
every discovery: connectx_discover, the tools role's second look after an install, node_reboot's after a reboot);
:func:`facts` turns its result into the host facts the roles read:

- ``connectx_cards``: the cards (RV(devices) of mlx_device_info);
- ``connectx_tools_state``: the tool (RV(tool)); ``installed`` is always a bool, the one place the roles read to know
  whether the cards can be read yet;
- ``connectx_node``: ``os``, ``network``, ``packages`` (the state of the packages the tools role installs) and
  ``discovery`` (the options of the call, to discover again with exactly those).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DEVICE_INFO = 'homelab.connectx.mlx_device_info'
TOOLS = ('mstflint', 'mft')
# The defaults of the tools role (roles/tools/defaults/main.yml; a unit test keeps both the same).
MSTFLINT_PACKAGE = 'mstflint=4.21.0+1-1'
EXTRA_PACKAGES = ('pciutils', 'ethtool')


def package_name(spec):
    """The package name of ``name`` or ``name=version``."""
    return str(spec).partition('=')[0].strip()


def wanted(tool, mstflint_package, extra_packages):
    """The Debian packages the tools role installs, as given (``name`` or ``name=version``), each once, in order: the
    pinned mstflint (mstflint flavour) and the extra ones."""
    if tool not in TOOLS:
        raise ValueError('tool must be one of %s, got %r' % (', '.join(TOOLS), tool))
    if extra_packages is None:
        extra_packages = []
    if not isinstance(extra_packages, (list, tuple)):
        raise ValueError('extra_packages must be a list of Debian packages, got %r' % (extra_packages,))
    specs = ([mstflint_package] if tool == 'mstflint' else []) + list(extra_packages)
    out = []
    for spec in specs:
        if not isinstance(spec, str) or not package_name(spec):
            raise ValueError('a Debian package must be a name or name=version, got %r' % (spec,))
        spec = spec.strip()
        if spec not in out:
            out.append(spec)
    return out


def module_args(tool, mstflint_package, extra_packages, ansible_host=None):
    """mlx_device_info's options: ``tool``, ``packages`` (the wanted packages' names, without =version) and
    ``connection_addresses`` (``[ansible_host]`` when the host has one: the interface that holds it carries the
    management)."""
    names = []
    for spec in wanted(tool, mstflint_package, extra_packages):
        if package_name(spec) not in names:
            names.append(package_name(spec))
    address = str(ansible_host).strip() if ansible_host is not None else ''
    return {'tool': tool, 'packages': names, 'connection_addresses': [address] if address else []}


def connection_address(templar, task_vars):
    """The host's ``ansible_host`` from an action's ``task_vars``, templated; None when the inventory gives none."""
    value = (task_vars or {}).get('ansible_host')
    if value is not None and templar is not None:
        value = templar.template(value)
    return value if isinstance(value, str) and value.strip() else None


def facts(found, module_args):
    """The host facts of a discovery: ``found`` is mlx_device_info's result, ``module_args`` the options it ran with."""
    found = found if isinstance(found, dict) else {}
    tool = dict(found.get('tool') or {})
    tool['installed'] = bool(tool.get('installed'))
    return {
        'connectx_cards': list(found.get('devices') or []),
        'connectx_tools_state': tool,
        'connectx_node': {
            'os': dict(found.get('os') or {}),
            'network': dict(found.get('network') or {}),
            'packages': dict(found.get('packages') or {}),
            'discovery': dict(module_args or {}),
        },
    }
