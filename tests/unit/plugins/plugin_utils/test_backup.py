# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""plugin_utils/backup.py: the controller's copy of a backup is checked three ways, never replaces other content,
and is private (0700 folder, 0600 files); a failed check writes nothing."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import hashlib
import os
import stat

import pytest

from ansible_collections.homelab.connectx.plugins.plugin_utils import backup

IMAGE = 'MT_1090110018_2.40.5030_0002c90300a1b2c0.image'
CONFIG = 'MT_1090110018_2.40.5030_0002c90300a1b2c0.config'


def entry(name, data, sha=None):
    return {'path': '/var/lib/connectx/backup/' + name, 'sha256': sha or hashlib.sha256(data).hexdigest(),
            'size': len(data), 'content': base64.b64encode(data).decode('ascii')}


def host_sums(*pairs):
    return ''.join('%s  %s\n' % (hashlib.sha256(data).hexdigest(), name) for name, data in pairs)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_backup_lands_private_with_both_sums(tmp_path):
    folder = str(tmp_path / 'pve1')
    files = {'image': entry(IMAGE, b'image bytes'), 'config': entry(CONFIG, b'config bytes')}
    paths, written = backup.store(folder, files, host_sums((IMAGE, b'image bytes'), (CONFIG, b'config bytes')))
    assert sorted(written) == sorted([IMAGE, CONFIG]) and paths['image'] == os.path.join(folder, IMAGE)
    assert open(os.path.join(folder, IMAGE), 'rb').read() == b'image bytes'
    assert mode(folder) == 0o700
    for name in (IMAGE, CONFIG, 'SHA256SUMS', '.SHA256SUMS.host'):
        assert mode(os.path.join(folder, name)) == 0o600, name
    assert backup.read_sums(folder) == {IMAGE: hashlib.sha256(b'image bytes').hexdigest(),
                                        CONFIG: hashlib.sha256(b'config bytes').hexdigest()}


def test_the_controller_sums_keep_every_backup_ever_taken(tmp_path):
    folder = str(tmp_path / 'pve1')
    backup.store(folder, {'image': entry(IMAGE, b'old')}, host_sums((IMAGE, b'old')))
    newer = IMAGE.replace('2.40.5030', '2.42.5000')
    paths, written = backup.store(folder, {'image': entry(newer, b'new')}, host_sums((newer, b'new')))
    assert written == [newer] and set(backup.read_sums(folder)) == {IMAGE, newer}


def test_an_identical_copy_is_kept_and_not_rewritten(tmp_path):
    folder = str(tmp_path / 'pve1')
    backup.store(folder, {'image': entry(IMAGE, b'same')}, host_sums((IMAGE, b'same')))
    assert backup.store(folder, {'image': entry(IMAGE, b'same')}, host_sums((IMAGE, b'same')))[1] == []


def test_other_content_under_the_same_name_is_never_replaced(tmp_path):
    folder = str(tmp_path / 'pve1')
    backup.store(folder, {'image': entry(IMAGE, b'first')}, host_sums((IMAGE, b'first')))
    with pytest.raises(backup.BackupCopyError) as err:
        backup.store(folder, {'image': entry(IMAGE, b'second'), 'config': entry(CONFIG, b'c')},
                     host_sums((IMAGE, b'second'), (CONFIG, b'c')))
    assert err.value.reason == 'backup_copy_differs' and 'already exists on the controller with other content' in str(err.value)
    assert open(os.path.join(folder, IMAGE), 'rb').read() == b'first'
    assert not os.path.exists(os.path.join(folder, CONFIG))  # nothing written


@pytest.mark.parametrize('files, sums, why', [
    ({'image': entry(IMAGE, b'bytes', sha='0' * 64)}, host_sums((IMAGE, b'bytes')), 'module sha256 differs'),
    ({'image': entry(IMAGE, b'bytes')}, host_sums((IMAGE, b'other')), 'SHA256SUMS line differs'),
    ({'image': entry(IMAGE, b'bytes')}, '', 'not in SHA256SUMS'),
    ({'image': dict(entry(IMAGE, b'bytes'), content='!!not base64!!')}, host_sums((IMAGE, b'bytes')), 'bytes unreadable'),
    ({'image': dict(entry(IMAGE, b'bytes'), content=base64.b64encode(b'bytez').decode())}, host_sums((IMAGE, b'bytes')),
     'bytes corrupted on the way'),
    ({'image': {'path': '/var/lib/connectx/backup/' + IMAGE, 'sha256': None, 'size': None}}, '', 'no file on the host'),
])
def test_a_copy_that_does_not_check_three_ways_writes_nothing(tmp_path, files, sums, why):
    folder = str(tmp_path / 'pve1')
    with pytest.raises(backup.BackupCopyError) as err:
        backup.store(folder, files, sums)
    assert err.value.reason == 'backup_copy_mismatch', why
    assert not os.path.exists(folder), why


def test_a_file_where_the_folder_should_be_is_refused(tmp_path):
    folder = tmp_path / 'pve1'
    folder.write_text('not a folder')
    with pytest.raises(backup.BackupCopyError) as err:
        backup.store(str(folder), {'image': entry(IMAGE, b'x')}, host_sums((IMAGE, b'x')))
    assert err.value.reason == 'controller_dest_invalid'


def test_parse_sums_reads_both_sha256sum_formats_and_skips_junk():
    digest = hashlib.sha256(b'x').hexdigest()
    assert backup.parse_sums('%s  a.image\n%s *b.rom\nnot a line\n%s\n' % (digest, digest.upper(), 'z' * 64 + '  c')) == {
        'a.image': digest, 'b.rom': digest}
