# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""plugin_utils/firmware_job.py: card selection, triage against the target, the image identity cache."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import stat

from ansible_collections.homelab.connectx.plugins.plugin_utils import firmware_job

TARGET = {'psid': 'MT_1090120019', 'fw_version': '2.42.5000'}
QCBT = {'pci_address': '0000:03:00.0', 'psid': 'MT_1090110018', 'fw_version': '2.40.5030', 'fw_version_running': None}
DONE = {'pci_address': '0000:04:00.0', 'psid': 'MT_1090120019', 'fw_version': '2.42.5000', 'fw_version_running': None}
PENDING = {'pci_address': '0000:05:00.0', 'psid': 'MT_1090120019', 'fw_version': '2.42.5000',
           'fw_version_running': '2.40.5030'}
SHA = 'ab' * 32


def test_select_takes_addresses_with_or_without_the_domain():
    cards = [QCBT, DONE, PENDING]
    assert firmware_job.select(cards, []) == cards
    assert firmware_job.select(cards, ['03:00.0', '0000:05:00.0']) == [QCBT, PENDING]
    assert firmware_job.select(cards, ['09:00.0']) == []


def test_triage_sends_every_card_not_at_the_target_to_the_burn_module():
    assert firmware_job.triage([QCBT, DONE, PENDING], TARGET) == ([QCBT], [PENDING], [DONE])
    other_version = dict(DONE, fw_version='2.42.4000')
    assert firmware_job.triage([other_version], TARGET) == ([other_version], [], [])
    assert firmware_job.triage([DONE, PENDING], TARGET, force=True) == ([DONE, PENDING], [], [])


def test_the_identity_cache_round_trips_privately_and_ignores_junk(tmp_path):
    cache = str(tmp_path / 'images')
    assert firmware_job.cached_identity(cache, SHA) is None
    kept = firmware_job.cache_identity(cache, SHA, dict(TARGET, sha256=SHA, path='/tmp/x/fw.bin', image_type='FS2'))
    assert 'path' not in kept and firmware_job.cached_identity(cache, SHA) == kept
    assert stat.S_IMODE(os.stat(cache).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(os.path.join(cache, SHA + '.json')).st_mode) == 0o600
    # An image read with another sha256 than the pin is never cached under the pin.
    assert firmware_job.cache_identity(cache, 'cd' * 32, dict(TARGET, sha256=SHA)) is None
    (tmp_path / 'images' / ('ef' * 32 + '.json')).write_text('{"psid": ""}')
    assert firmware_job.cached_identity(cache, 'ef' * 32) is None
    assert firmware_job.cached_identity(cache, 'not a sha') is None
