# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""tools_plan.mft_packages_check: the tools role's preflight reads each offered MFT .deb on the controller and refuses
MFT 4.33 and later for ConnectX-3/ConnectX-3 Pro before anything is installed (real .deb files built by dpkg-deb with
the names and versions of real MFT releases, tests/unit/fixtures/mft_version/)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from debs import build_deb, needs_dpkg_deb

from ansible_collections.homelab.connectx.plugins.plugin_utils.tools_plan import (
    is_mft_package, mft_packages_check as connectx_mft_packages_check)
from ansible_collections.homelab.connectx.plugins.module_utils import tools
from ansible_collections.homelab.connectx.plugins.plugin_utils import deb

NOTHING = ' Nothing has been installed or changed on any host.'


def refusal(path, package, version, shown):
    return ('%s is the package %s %s: NVIDIA MFT %s does not support ConnectX-3/ConnectX-3 Pro cards (from MFT 4.33 '
            'on, its "Supported Adapter Cards Firmware Versions" no longer lists them; the last MFT that does is '
            '4.32). Fix: %s.%s' % (path, package, version, shown, tools.MFT_FIX, NOTHING))


@needs_dpkg_deb
@pytest.mark.parametrize('version', ['4.28.0-92', '4.32.0-120'])
def test_mft_up_to_4_32_may_be_installed(tmp_path, version):
    paths = [build_deb(tmp_path, 'mft', version), build_deb(tmp_path, 'kernel-mft-dkms', version, 'gzip', 'all')]
    result = connectx_mft_packages_check(paths, ['connectx3', 'connectx3pro', None])
    assert result == {'packages': [{'path': paths[0], 'package': 'mft', 'version': version, 'error': None},
                                   {'path': paths[1], 'package': 'kernel-mft-dkms', 'version': version, 'error': None}],
                      'problems': [], 'warnings': []}


@needs_dpkg_deb
@pytest.mark.parametrize('version, shown, family', [
    ('4.33.0-53', '4.33.0', 'connectx3'),
    ('4.34.1.12-1', '4.34.1', 'connectx3pro'),  # DOCA-Host's numbering of MFT 4.34.1-12
    ('4.36.0-147', '4.36.0', 'connectx3'),
])
def test_mft_4_33_and_later_is_refused_for_connectx3_with_file_version_and_fix(tmp_path, version, shown, family):
    path = build_deb(tmp_path, 'mft', version)
    result = connectx_mft_packages_check([path], ['connectx4lx', family])
    assert result['problems'] == [refusal(path, 'mft', version, shown)]
    assert result['warnings'] == []


@needs_dpkg_deb
def test_a_newer_mft_is_fine_without_connectx3(tmp_path):
    path = build_deb(tmp_path, 'mft', '4.36.0-147')
    assert connectx_mft_packages_check([path], ['connectx4lx'])['problems'] == []
    assert connectx_mft_packages_check([path], [])['problems'] == []


@needs_dpkg_deb
def test_every_package_of_the_release_is_checked(tmp_path):
    mft = build_deb(tmp_path, 'mft', '4.32.0-120')
    dkms = build_deb(tmp_path, 'kernel-mft-dkms', '4.33.0-53', 'gzip', 'all')
    other = build_deb(tmp_path, 'pciutils', '1:3.9.0-4')  # not MFT: not version-checked
    result = connectx_mft_packages_check([mft, dkms, other], ['connectx3'])
    assert result['problems'] == [refusal(dkms, 'kernel-mft-dkms', '4.33.0-53', '4.33.0')]


@needs_dpkg_deb
def test_the_mft_package_itself_must_be_offered(tmp_path):
    dkms = build_deb(tmp_path, 'kernel-mft-dkms', '4.28.0-92', 'gzip', 'all')
    result = connectx_mft_packages_check([dkms], ['connectx3'])
    assert result['problems'] == [
        'None of connectx_mft_packages (kernel-mft-dkms 4.28.0-92) is the package mft, the one with flint, mlxconfig '
        'and mst (DEBS/mft_<version>_amd64.deb of mft-<version>-x86_64-deb.tgz): add it.' + NOTHING]


def test_a_file_that_is_not_a_package_is_refused(tmp_path):
    tgz = tmp_path / 'mft-4.28.0-92-x86_64-deb.tgz'
    tgz.write_bytes(b'\x1f\x8b\x08\x00 the download, not the .deb inside it')
    result = connectx_mft_packages_check([str(tgz)], ['connectx3'])
    assert result['problems'] == [
        '%s is not a Debian package that can be read (not an ar archive (a .deb starts with "!<arch>")): '
        'connectx_mft_packages takes the .deb files of NVIDIA MFT (the DEBS folder of mft-<version>-x86_64-deb.tgz).'
        '%s' % (tgz, NOTHING)]
    assert result['packages'][0]['error'].startswith('not an ar archive')
    missing = connectx_mft_packages_check([str(tmp_path / 'gone.deb')], ['connectx3'])
    assert len(missing['problems']) == 1 and 'gone.deb is not a Debian package that can be read' in missing['problems'][0]


@needs_dpkg_deb
def test_a_package_this_controller_cannot_read_is_a_warning(tmp_path, monkeypatch):
    path = build_deb(tmp_path, 'mft', '4.33.0-53', 'zstd')

    def unreadable(_path):
        raise deb.DebUnreadable('its control member is zstd-compressed (control.tar.zst) and this Python has no zstd '
                                'reader (Python 3.14 has one)')
    monkeypatch.setattr(deb, 'read_control', unreadable)
    result = connectx_mft_packages_check([path], ['connectx3'])
    assert result['problems'] == []  # not refused for what could not be read; checked once installed
    assert result['warnings'] == [
        '%s: its control member is zstd-compressed (control.tar.zst) and this Python has no zstd reader (Python 3.14 '
        'has one), and there is no dpkg-deb on the controller to read it; its version is checked only once it is '
        'installed.' % path]


def test_not_a_list_is_refused():
    with pytest.raises(ValueError, match='a list of .deb paths'):
        connectx_mft_packages_check('/srv/mft/mft_4.28.0-92_amd64.deb', ['connectx3'])


@pytest.mark.parametrize('name, mft', [
    ('mft', True), ('mft-autocomplete', True), ('mft-oem', True), ('mft-pcap', True), ('kernel-mft-dkms', True),
    ('mft-mlx5', True), ('mft-nvredfish', True), ('mstflint', False), ('pciutils', False)])
def test_the_packages_of_an_mft_release(name, mft):
    assert is_mft_package(name) is mft
