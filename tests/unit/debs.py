# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tiny real Debian packages for the tests, built by dpkg-deb --build (Debian's own tool, so the archive layout,
member names and compressions are the ones dpkg writes). Their names and versions are those of real MFT releases
(tests/unit/fixtures/mft_version/); their one file is a stand-in, not NVIDIA's."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import shutil
import subprocess

import pytest

DPKG_DEB = shutil.which('dpkg-deb')
needs_dpkg_deb = pytest.mark.skipif(not DPKG_DEB, reason='dpkg-deb builds the test packages (Debian package dpkg)')


def build_deb(folder, package, version, compression='xz', architecture='amd64'):
    """A .deb of ``package`` ``version`` in ``folder``, its control member compressed as dpkg-deb -Z says (gzip, xz,
    zstd, none); returns its path, named as NVIDIA names its files (mft_4.28.0-92_amd64.deb)."""
    root = os.path.join(str(folder), 'build-%s-%s-%s' % (package, version, compression))
    os.makedirs(os.path.join(root, 'DEBIAN'))
    os.makedirs(os.path.join(root, 'usr', 'share', 'doc', package))
    with open(os.path.join(root, 'DEBIAN', 'control'), 'w') as handle:
        handle.write('Package: %s\nVersion: %s\nArchitecture: %s\nMaintainer: homelab.connectx tests <tests@example.invalid>\n'
                     'Description: stand-in for %s\n a test package: its name and version are the real ones, its '
                     'files are not\n' % (package, version, architecture, package))
    with open(os.path.join(root, 'usr', 'share', 'doc', package, 'README'), 'w') as handle:
        handle.write('stand-in\n')
    path = os.path.join(str(folder), '%s_%s_%s.deb' % (package, version, architecture))
    subprocess.run([DPKG_DEB, '-Z%s' % compression, '--root-owner-group', '--build', root, path], check=True,
                   capture_output=True)
    shutil.rmtree(root)
    return path
