# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""firmware: the QCBT card now runs the FCBT image, and its original firmware is backed up on the controller."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import glob
import os
import stat

ORIGINAL = ('MT_1090110018', '2.40.5030')
TARGET = ('MT_1090120019', '2.42.5000')


def test_card_is_crossflashed_and_runs_the_new_firmware(host, lab_host, lab):
    # Rebooted: the card runs what is on its flash.
    card = lab.assert_runs(host, lab_host, TARGET)
    assert card['counters']['flash_program_ops'] > 0


def test_original_firmware_is_backed_up_with_checksums(lab_host, lab, lab_vars):
    folder = os.path.join(lab_vars['connectx_backup_dir'], lab_host)
    items = sorted(glob.glob(os.path.join(folder, '%s_%s_*' % ORIGINAL)))
    assert [os.path.splitext(p)[1] for p in items] == ['.config', '.image', '.rom', '.vpd']
    sums = {}
    with open(os.path.join(folder, 'SHA256SUMS')) as handle:
        for line in handle:
            digest, name = line.split()
            sums[name.lstrip('*')] = digest
    for path in items:
        assert sums[os.path.basename(path)] == lab.sha256(path), path
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path


def test_backup_image_is_the_original_firmware(lab_host, lab, lab_vars):
    image = glob.glob(os.path.join(lab_vars['connectx_backup_dir'], lab_host, '%s_%s_*.image' % ORIGINAL))[0]
    # mstflint on the controller reads the image file (no card needed).
    out = lab.run(['mstflint', '-i', image, 'q'])
    assert 'PSID:' in out and ORIGINAL[0] in out and ORIGINAL[1] in out
