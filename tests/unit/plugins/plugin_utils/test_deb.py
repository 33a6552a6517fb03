# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""plugin_utils/deb.py: the control fields of real .deb files (built by dpkg-deb with each compression it writes),
and what is not a Debian package."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import importlib
import subprocess
import tarfile

import pytest

from debs import DPKG_DEB, build_deb, needs_dpkg_deb

from ansible_collections.homelab.connectx.plugins.plugin_utils import deb


def has_python_zstd():
    try:
        importlib.import_module('compression.zstd')
        return True
    except ImportError:
        return False


@needs_dpkg_deb
@pytest.mark.parametrize('compression, member', [
    ('gzip', 'control.tar.gz'), ('xz', 'control.tar.xz'), ('none', 'control.tar'), ('zstd', 'control.tar.zst')])
def test_reads_package_and_version_whatever_the_compression(tmp_path, compression, member):
    path = build_deb(tmp_path, 'mft', '4.28.0-92', compression)
    with open(path, 'rb') as handle:
        names = [name for name, _size in deb._members(handle)]  # pylint: disable=protected-access
    assert names == ['debian-binary', member, member.replace('control', 'data')]
    fields = deb.read_control(path)
    assert (fields['Package'], fields['Version'], fields['Architecture']) == ('mft', '4.28.0-92', 'amd64')
    assert fields['Description'].splitlines()[0] == 'stand-in for mft'
    # the same fields as dpkg-deb itself prints
    assert subprocess.run([DPKG_DEB, '--field', path, 'Version'], capture_output=True, text=True,
                          check=True).stdout.strip() == fields['Version']


@needs_dpkg_deb
def test_zstd_without_python_zstd_is_read_by_dpkg_deb_or_is_unreadable(tmp_path, monkeypatch):
    path = build_deb(tmp_path, 'mft', '4.33.0-53', 'zstd')
    if has_python_zstd():
        pytest.skip('this Python reads zstd itself (compression.zstd)')
    assert deb.read_control(path)['Version'] == '4.33.0-53'  # by the controller's dpkg-deb
    monkeypatch.setattr(deb.shutil, 'which', lambda name: None)
    with pytest.raises(deb.DebUnreadable, match='zstd'):
        deb.read_control(path)


@needs_dpkg_deb
def test_gzip_and_xz_need_no_dpkg_deb(tmp_path, monkeypatch):
    monkeypatch.setattr(deb.shutil, 'which', lambda name: None)
    for compression in ('gzip', 'xz'):
        assert deb.read_control(build_deb(tmp_path, 'kernel-mft-dkms', '4.34.1.10-1', compression, 'all'))['Package'] \
            == 'kernel-mft-dkms'


@needs_dpkg_deb
def test_a_truncated_package_is_refused(tmp_path):
    path = build_deb(tmp_path, 'mft', '4.32.0-120', 'xz')
    with open(path, 'rb') as handle:
        head = handle.read(200)  # the ar headers and the start of control.tar.xz
    cut = tmp_path / 'cut.deb'
    cut.write_bytes(head)
    with pytest.raises(deb.DebError, match='truncated|does not decompress'):
        deb.read_control(str(cut))


def test_what_is_not_a_debian_package_is_refused(tmp_path):
    text = tmp_path / 'notes.txt'
    text.write_text('Package: mft\nVersion: 4.28.0-92\n')
    with pytest.raises(deb.DebError, match='not an ar archive'):
        deb.read_control(str(text))
    # the download itself instead of the .deb inside it
    tgz = tmp_path / 'mft-4.28.0-92-x86_64-deb.tgz'
    with tarfile.open(str(tgz), 'w:gz') as archive:
        archive.add(str(text), arcname='mft-4.28.0-92-x86_64-deb/install.sh')
    with pytest.raises(deb.DebError, match='not an ar archive'):
        deb.read_control(str(tgz))
    other_ar = tmp_path / 'lib.a'
    other_ar.write_bytes(b'!<arch>\n' + b'foo.o/          0           0     0     644     4         `\n' + b'abcd')
    with pytest.raises(deb.DebError, match='not a Debian binary package'):
        deb.read_control(str(other_ar))
    with pytest.raises(IOError):
        deb.read_control(str(tmp_path / 'missing.deb'))


def test_parse_control():
    assert deb.parse_control('Package: mft\nVersion: 4.28.0-92\nDescription: NVIDIA firmware tools\n line two\n\n'
                             'Package: other\n') == {'Package': 'mft', 'Version': '4.28.0-92',
                                                     'Description': 'NVIDIA firmware tools\nline two'}
    with pytest.raises(deb.DebError):
        deb.parse_control(' continuation first\n')
    with pytest.raises(deb.DebError):
        deb.parse_control('no field name here\n')


# Debian versions of real MFT packages (fixtures mft_version/): NVIDIA's tarball (4.28.0-92) and DOCA-Host's
# (4.34.1.12-1 for mft, 4.34.1.10-1 for kernel-mft-dkms, 4.34.1-10 for mft-mlx5).
@pytest.mark.parametrize('version, upstream, numbers', [
    ('4.28.0-92', '4.28.0', (4, 28, 0)),
    ('4.32.0-120', '4.32.0', (4, 32, 0)),
    ('4.33.0-53', '4.33.0', (4, 33, 0)),
    ('4.34.1.12-1', '4.34.1.12', (4, 34, 1)),
    ('4.34.1-10', '4.34.1', (4, 34, 1)),
    ('1:4.36.0-147', '4.36.0', (4, 36, 0)),
    ('4.21.0+1-1', '4.21.0+1', (4, 21, 0)),
    ('4.33', '4.33', (4, 33, 0)),
    ('latest', 'latest', None),
    ('', '', None),
])
def test_versions(version, upstream, numbers):
    assert deb.upstream_version(version) == upstream
    assert deb.version_tuple(version) == numbers
