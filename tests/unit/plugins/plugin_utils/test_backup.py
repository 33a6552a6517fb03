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


def sha(data):
    return hashlib.sha256(data).hexdigest()


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


# SHA256SUMS in another format, on the controller: the same rules as on the host (module_utils/sums.py).
HAND_MADE = ('# kept by hand\r\n'
             'SHA256 (notes.txt) = 993450ac02651392d07d4aeaf873b0578ad058fd39ba89f5356a37274e335f67\r\n'
             '\r\n'
             'MD5 (notes.txt) = c8e76f16c3419f1876af88e71dd7775c\r\n'
             'SHA256 (%s) = %s\r\n'
             '7e4fa2eb8c7ac089739d5defc4489fad68a100d92082ca35c6b40a4524821f87 *pve2.image\r\n' % (IMAGE, '0' * 64))


def test_the_controller_sums_keep_every_line_they_do_not_set(tmp_path):
    folder = tmp_path / 'pve1'
    folder.mkdir(mode=0o700)
    (folder / 'SHA256SUMS').write_bytes(HAND_MADE.encode())
    files = {'image': entry(IMAGE, b'image bytes'), 'config': entry(CONFIG, b'config bytes')}
    backup.store(str(folder), files, host_sums((IMAGE, b'image bytes'), (CONFIG, b'config bytes')))
    # The stale line of the image is rewritten in place, in its format; the config is added at the end in the format
    # of the last entry (binary mode); CRLF, the comment, the empty line and the MD5 line stay.
    assert (folder / 'SHA256SUMS').read_bytes().decode() == HAND_MADE.replace('0' * 64, sha(b'image bytes')) + (
        '%s *%s\r\n' % (sha(b'config bytes'), CONFIG))
    assert backup.read_sums(str(folder))[IMAGE] == sha(b'image bytes')
    # Nothing new: the file stays byte for byte.
    before = (folder / 'SHA256SUMS').read_bytes()
    assert backup.store(str(folder), files, host_sums((IMAGE, b'image bytes'), (CONFIG, b'config bytes')))[1] == []
    assert (folder / 'SHA256SUMS').read_bytes() == before


def test_the_hosts_sums_are_read_in_either_format(tmp_path):
    folder = str(tmp_path / 'pve1')
    tagged = 'SHA256 (%s) = %s\n' % (IMAGE, sha(b'image bytes'))
    assert backup.store(folder, {'image': entry(IMAGE, b'image bytes')}, tagged)[1] == [IMAGE]
    # Two checksums for one file on the host: it is listed by nobody, nothing is copied.
    twice = tagged + '%s  %s\n' % (sha(b'other'), CONFIG) + '%s  %s\n' % (sha(b'other'), IMAGE)
    with pytest.raises(backup.BackupCopyError) as err:
        backup.store(str(tmp_path / 'pve2'), {'image': entry(IMAGE, b'image bytes')}, twice)
    assert err.value.reason == 'backup_copy_mismatch' and not os.path.exists(str(tmp_path / 'pve2'))


def test_a_line_naming_a_file_to_store_is_refused_and_nothing_is_written(tmp_path):
    folder = tmp_path / 'pve1'
    folder.mkdir(mode=0o700)
    text = HAND_MADE + 'MD5 (%s) = 36d44a086167165a52c00bfeb9778c46\n' % CONFIG
    (folder / 'SHA256SUMS').write_bytes(text.encode())
    files = {'image': entry(IMAGE, b'image bytes'), 'config': entry(CONFIG, b'config bytes')}
    with pytest.raises(backup.BackupCopyError) as err:
        backup.store(str(folder), files, host_sums((IMAGE, b'image bytes'), (CONFIG, b'config bytes')))
    assert err.value.reason == 'sums_invalid'
    assert str(err.value).startswith('%s line 7 is not a sha256sum line' % (folder / 'SHA256SUMS'))
    assert "'MD5 (%s) = 36d44a086167165a52c00bfeb9778c46'" % CONFIG in str(err.value)
    assert sorted(os.listdir(str(folder))) == ['SHA256SUMS'] and (folder / 'SHA256SUMS').read_bytes() == text.encode()


def test_a_sums_file_that_cannot_be_read_is_refused_and_nothing_is_written(tmp_path):
    folder = tmp_path / 'pve1'
    (folder / 'SHA256SUMS').mkdir(parents=True)
    with pytest.raises(backup.BackupCopyError) as err:
        backup.store(str(folder), {'image': entry(IMAGE, b'x')}, host_sums((IMAGE, b'x')))
    assert err.value.reason == 'sums_invalid' and 'cannot be read' in str(err.value)
    assert os.listdir(str(folder)) == ['SHA256SUMS']


def test_looser_modes_of_an_earlier_backup_are_set_again(tmp_path):
    folder = tmp_path / 'pve1'
    backup.store(str(folder), {'image': entry(IMAGE, b'same')}, host_sums((IMAGE, b'same')))
    os.chmod(str(folder), 0o755)
    for name in ('SHA256SUMS', '.SHA256SUMS.host'):
        os.chmod(str(folder / name), 0o644)
    backup.store(str(folder), {'image': entry(IMAGE, b'same')}, host_sums((IMAGE, b'same')))
    assert mode(str(folder)) == 0o700
    for name in ('SHA256SUMS', '.SHA256SUMS.host'):
        assert mode(str(folder / name)) == 0o600, name


def test_a_folder_every_user_may_write_to_is_refused(tmp_path):
    folder = tmp_path / 'shared'
    folder.mkdir()
    os.chmod(str(folder), 0o1777)
    with pytest.raises(backup.BackupCopyError) as err:
        backup.store(str(folder), {'image': entry(IMAGE, b'x')}, host_sums((IMAGE, b'x')))
    assert err.value.reason == 'controller_dest_invalid' and 'writable by every user' in str(err.value)
    assert mode(str(folder)) == 0o1777 and os.listdir(str(folder)) == []


def test_a_copy_that_does_not_read_back_is_refused_removed_and_replaces_nothing(tmp_path, monkeypatch):
    """A controller write fault: the bytes on the disk are not those received. Refused, the partial file removed, the
    other file of the backup not put in place, both SHA256SUMS as they were."""
    folder = str(tmp_path / 'pve1')
    backup.store(folder, {'image': entry(IMAGE, b'old')}, host_sums((IMAGE, b'old')))
    before = dict((name, open(os.path.join(folder, name), 'rb').read()) for name in os.listdir(folder))
    newer, config = IMAGE.replace('2.40.5030', '2.42.5000'), CONFIG.replace('2.40.5030', '2.42.5000')
    write_temp = backup._write_temp

    def faulty(where, name, data):
        return write_temp(where, name, b'X' + data[1:] if name == newer else data)
    monkeypatch.setattr(backup, '_write_temp', faulty)
    with pytest.raises(backup.BackupCopyError) as err:
        backup.store(folder, {'image': entry(newer, b'new image'), 'config': entry(config, b'new config')},
                     host_sums((newer, b'new image'), (config, b'new config')))
    assert err.value.reason == 'backup_copy_mismatch'
    assert 'does not read back with sha256 %s (it reads %s)' % (sha(b'new image'), sha(b'Xew image')) in str(err.value)
    assert sorted(os.listdir(folder)) == sorted(before)  # no partial, no temporary file, the config not put in place
    for name, data in before.items():
        assert open(os.path.join(folder, name), 'rb').read() == data, name
    assert backup.read_sums(folder) == {IMAGE: sha(b'old')}


def test_a_copy_that_cannot_be_read_back_is_refused(tmp_path, monkeypatch):
    folder = str(tmp_path / 'pve1')
    sha256_of = backup.sha256_of

    def unreadable(path):
        if os.path.basename(path).startswith('.%s.' % IMAGE):
            raise IOError(5, 'Input/output error')
        return sha256_of(path)
    monkeypatch.setattr(backup, 'sha256_of', unreadable)
    with pytest.raises(backup.BackupCopyError) as err:
        backup.store(folder, {'image': entry(IMAGE, b'x')}, host_sums((IMAGE, b'x')))
    assert err.value.reason == 'backup_copy_mismatch' and '(it reads nothing)' in str(err.value)
    assert os.listdir(folder) == []
