# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""tools_plan: what the tools role installs, from mlx_device_info's packages.

The states are what mlx_device_info makes of dpkg-query 1.21 (Debian 12) output (tests/unit/plugins/modules/
mlx_device_info.yaml): a package dpkg does not know, or has only as ``config-files`` (removed, its configuration
kept), is not installed.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.homelab.connectx.plugins.plugin_utils import tools_plan
from ansible_collections.homelab.connectx.plugins.plugin_utils.tools_plan import (
    install_failure as connectx_tools_install_failure, missing_packages as connectx_missing_packages,
    mstflint_route as connectx_mstflint_route)

DEBIAN12 = {
    'ethtool': {'installed': True, 'version': '1:6.1-1', 'held': False},
    'iperf3': {'installed': True, 'version': '3.12-1+deb12u2', 'held': False},
    'mstflint': {'installed': True, 'version': '4.21.0+1-1', 'held': True},
    'nosuchpkg': {'installed': False, 'version': None, 'held': None},
}
NOT_DEBIAN = {'mstflint': {'installed': None, 'version': None, 'held': None}}


@pytest.mark.parametrize('packages, wanted, missing', [
    (DEBIAN12, ['mstflint=4.21.0+1-1', 'iperf3'], []),
    (DEBIAN12, ['mstflint=4.26.0+1-1'], ['mstflint=4.26.0+1-1']),
    (DEBIAN12, ['mstflint', 'nosuchpkg'], ['nosuchpkg']),
    ({}, ['mstflint=4.21.0+1-1', 'iperf3'], ['mstflint=4.21.0+1-1', 'iperf3']),
    (NOT_DEBIAN, ['mstflint=4.21.0+1-1'], ['mstflint=4.21.0+1-1']),
])
def test_missing_packages(packages, wanted, missing):
    assert connectx_missing_packages(packages, wanted) == missing


def test_a_string_is_refused():
    with pytest.raises(ValueError, match='must be a list'):
        connectx_missing_packages(DEBIAN12, 'mstflint')
    with pytest.raises(ValueError, match='a mapping'):
        connectx_missing_packages(['mstflint 4.21.0+1-1 installed'], ['mstflint'])


# mlx_device_info's os on a Debian 13 / Proxmox VE 9 node (os-release of Debian 13, which Proxmox VE keeps).
DEBIAN13_OS = {'id': 'debian', 'id_like': None, 'version_id': '13', 'version_codename': 'trixie',
               'pretty_name': 'Debian GNU/Linux 13 (trixie)'}
DEBIAN12_OS = {'id': 'debian', 'id_like': None, 'version_id': '12', 'version_codename': 'bookworm',
               'pretty_name': 'Debian GNU/Linux 12 (bookworm)'}


def test_debian13_takes_mstflint_4_21_from_bookworm_with_the_files_that_were_tried():
    """The files the role writes are, byte for byte, the ones apt was run with in a Debian 13 root filesystem
    (fixture local/trixie-bookworm-route-fresh-node.txt: `cat` of both, then apt installs only mstflint,
    libboost-filesystem1.74.0 and libjsoncpp25 from bookworm)."""
    from conftest import load_fixture
    captures = load_fixture('local/trixie-bookworm-route-fresh-node.txt')
    tried = {}
    for capture in captures[:2]:
        command, _nl, content = capture.partition('\n')
        tried[command.split()[-1]] = content + '\n'  # the capture ends where the file's last line does
    route = connectx_mstflint_route(DEBIAN13_OS, 'mstflint=4.21.0+1-1')
    assert route['route'] == 'bookworm' and route['suite'] == 'bookworm'
    assert route['packages'] == ['mstflint', 'libboost-filesystem1.74.0', 'libjsoncpp25']
    assert route['files'] == tried
    installed = [line.split('/')[0] for line in captures[7].splitlines() if '/oldstable,now' in line]
    assert installed == sorted(route['packages'])


@pytest.mark.parametrize('os_info, package', [
    (DEBIAN12_OS, 'mstflint=4.21.0+1-1'),                       # Debian 12: its own sources
    (DEBIAN13_OS, 'mstflint'),                                  # unpinned: what the node's sources offer (4.31)
    (DEBIAN13_OS, 'mstflint=4.31.0+1-4'),                       # another version chosen on purpose
    (dict(DEBIAN13_OS, id='ubuntu', id_like='debian'), 'mstflint=4.21.0+1-1'),
    ({}, 'mstflint=4.21.0+1-1'),                                # no os-release
    (None, 'mstflint=4.21.0+1-1'),
])
def test_other_nodes_use_their_own_sources(os_info, package):
    native = {'route': 'native', 'suite': None, 'packages': [], 'files': {}, 'message': None, 'uri': None}
    assert connectx_mstflint_route(os_info, package) == native


def test_the_codename_alone_is_enough_and_the_source_fields_are_the_callers():
    route = connectx_mstflint_route({'id': 'debian', 'version_codename': 'trixie'}, 'mstflint=4.21.0+1-1',
                                    uri='http://mirror.example/debian', trusted=True)
    sources = route['files']['/etc/apt/sources.list.d/connectx-mstflint-bookworm.sources']
    assert 'URIs: http://mirror.example/debian\n' in sources and 'Trusted: yes\n' in sources and 'Signed-By' not in sources
    assert 'http://mirror.example/debian' in route['message']


def test_route_input_errors():
    with pytest.raises(ValueError, match='a mapping'):
        connectx_mstflint_route('debian 13', 'mstflint=4.21.0+1-1')
    with pytest.raises(tools_plan.Refusal, match='signed_by'):
        connectx_mstflint_route(DEBIAN13_OS, 'mstflint=4.21.0+1-1', signed_by='')


def test_the_install_failure_on_debian_13_gives_the_fixes_that_work():
    route = connectx_mstflint_route(DEBIAN13_OS, 'mstflint=4.21.0+1-1', uri='http://127.0.0.1:9/debian', trusted=True)
    text = connectx_tools_install_failure(route, ['mstflint=4.21.0+1-1'], 'pve2', apt_message='Failed to update apt cache',
                                          system='Debian GNU/Linux 13 (trixie)', package='mstflint=4.21.0+1-1')
    assert text.startswith("Debian 12's mstflint 4.21.0+1-1 could not be installed from bookworm (http://127.0.0.1:9/debian) "
                           'on pve2 (Debian GNU/Linux 13 (trixie)): Failed to update apt cache. '), text
    assert 'NVIDIA MFT 4.32 or earlier (connectx_tool: mft' in text and 'were removed' in text
    assert text.endswith('Nothing has been changed on the cards.')


def test_the_install_failure_elsewhere_names_the_packages():
    native = connectx_mstflint_route(DEBIAN12_OS, 'mstflint=4.21.0+1-1')
    text = connectx_tools_install_failure(native, ['mstflint=4.21.0+1-1', 'iperf3'], 'pve1')
    assert text == ("apt could not install mstflint=4.21.0+1-1, iperf3 on pve1: apt failed. Fix: make the package available "
                    "in the node's apt sources, or use NVIDIA MFT 4.32 or earlier (connectx_tool: mft with "
                    "connectx_mft_packages). Nothing has been changed on the cards.")
