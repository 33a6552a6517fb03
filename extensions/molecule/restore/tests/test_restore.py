# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""restore: after crossflash + restore.yml the card is back at its original PSID and version, running."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import glob
import os

ORIGINAL = ('MT_1090110018', '2.40.5030')
CROSSFLASHED = ('MT_1090120019', '2.42.5000')


def test_card_is_back_at_the_original_firmware(host, lab_host, lab):
    lab.assert_runs(host, lab_host, ORIGINAL)


def test_flash_holds_the_backup_image(host, lab_host, lab, lab_vars):
    # Read the image back from the card and compare it with the backup on the controller, byte for byte.
    backup = glob.glob(os.path.join(lab_vars['connectx_backup_dir'], lab_host, '%s_%s_*.image' % ORIGINAL))[0]
    host.run_expect([0], 'mstflint -d %s ri /tmp/readback.bin' % lab.bdf)
    assert host.check_output('sha256sum /tmp/readback.bin').split()[0] == lab.sha256(backup)
    host.run('rm -f /tmp/readback.bin')


def test_both_firmwares_are_backed_up(lab_host, lab_vars):
    folder = os.path.join(lab_vars['connectx_backup_dir'], lab_host)
    for psid, version in (ORIGINAL, CROSSFLASHED):
        assert glob.glob(os.path.join(folder, '%s_%s_*.image' % (psid, version))), (psid, version)
