# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""plugin_utils/firmware_job.py: card selection, triage against the target, the image identity cache."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import stat

import pytest

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
    kept = firmware_job.cache_identity(cache, SHA, dict(TARGET, sha256=SHA, path='/var/tmp/connectx-image-1/fw.bin', image_type='FS2'))
    assert 'path' not in kept and firmware_job.cached_identity(cache, SHA) == kept
    assert stat.S_IMODE(os.stat(cache).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(os.path.join(cache, SHA + '.json')).st_mode) == 0o600
    # An image read with another sha256 than the pin is never cached under the pin.
    assert firmware_job.cache_identity(cache, 'cd' * 32, dict(TARGET, sha256=SHA)) is None
    (tmp_path / 'images' / ('ef' * 32 + '.json')).write_text('{"psid": ""}')
    assert firmware_job.cached_identity(cache, 'ef' * 32) is None
    assert firmware_job.cached_identity(cache, 'not a sha') is None


GUID = '0002c90300a1b2c0'
BACKUP = 'MT_1090110018_2.40.5030_%s.image' % GUID


def backup_folder(tmp_path, listed=True, data=b'original image'):
    import hashlib
    folder = tmp_path / 'backups' / 'pve1'
    folder.mkdir(parents=True)
    (folder / BACKUP).write_bytes(data)
    if listed:
        (folder / 'SHA256SUMS').write_text('%s  %s\n' % (hashlib.sha256(data).hexdigest(), BACKUP))
    return str(folder / BACKUP)


CROSSFLASHED = dict(DONE, pci_address='0000:03:00.0', base_guid=GUID)


def test_a_restore_goes_back_to_the_backups_psid_from_the_cards_current_one_only(tmp_path):
    image = backup_folder(tmp_path)
    job = firmware_job.restore_job(image, [CROSSFLASHED])
    assert job['select'] == ['0000:03:00.0'] and job['allow_psid_change'] and not job['force']
    assert job['allowed_psid_changes'] == [{'from': 'MT_1090120019', 'to': 'MT_1090110018'}]
    # The card's own backup fits it by where it came from: no opt-in needed when its PSID is not in the board table.
    assert job['unverified_fit'] == ['0000:03:00.0']
    firmware_job.check_image(image, job['sha256'])


@pytest.mark.parametrize('case, reason', [
    ('not listed', 'restore_not_listed'),
    ('other card', 'restore_other_card'),
    ('two cards', 'restore_ambiguous'),
    ('bad name', 'restore_invalid'),
])
def test_a_restore_is_refused_on_the_controller(tmp_path, case, reason):
    image = backup_folder(tmp_path, listed=case != 'not listed')
    cards = [CROSSFLASHED]
    if case == 'other card':
        cards = [dict(CROSSFLASHED, base_guid='0002c90300ffffff')]
    if case == 'two cards':
        cards = [CROSSFLASHED, dict(CROSSFLASHED, pci_address='0000:04:00.0')]
    if case == 'bad name':
        image = os.path.join(os.path.dirname(image), 'firmware.bin')
    with pytest.raises(firmware_job.JobError) as err:
        firmware_job.restore_job(image, cards)
    assert err.value.reason == reason and 'Nothing has been changed' in str(err.value)


def test_a_restore_of_another_card_and_of_a_named_device_when_asked(tmp_path):
    image = backup_folder(tmp_path)
    other = dict(CROSSFLASHED, pci_address='0000:04:00.0', base_guid='0002c90300ffffff')
    job = firmware_job.restore_job(image, [CROSSFLASHED, other], device='04:00.0', other_card=True)
    assert job['select'] == ['0000:04:00.0']
    assert job['unverified_fit'] == []  # another card's backup: its fit is the burn module's to establish


@pytest.mark.parametrize('what, reason', [('missing', 'not_found'), ('folder', 'image_invalid'),
                                          ('flipped', 'checksum_mismatch')])
def test_the_image_on_the_controller_must_exist_and_match_its_pin(tmp_path, what, reason):
    import hashlib
    path = tmp_path / 'fw.bin'
    pin = hashlib.sha256(b'image').hexdigest()
    if what == 'folder':
        path.mkdir()
    if what == 'flipped':
        path.write_bytes(b'imagf')
    with pytest.raises(firmware_job.JobError) as err:
        firmware_job.check_image(str(path), pin)
    assert err.value.reason == reason and 'Refused before any change' in str(err.value)
