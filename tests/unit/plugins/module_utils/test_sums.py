# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""module_utils/sums.py: SHA256SUMS files as the real sha256sum (GNU coreutils) writes and checks them; an update
changes only the entries it sets and keeps every other byte."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import shutil
import subprocess

import pytest

from ansible_collections.homelab.connectx.plugins.module_utils import sums

NEEDS_COREUTILS = pytest.mark.skipif(shutil.which('sha256sum') is None, reason='sha256sum (GNU coreutils) not installed')
IMAGE = 'MT_1090110018_2.40.5030_0002c90300a0b0c0.image'
CONFIG = 'MT_1090110018_2.40.5030_0002c90300a0b0c0.config'
OLD = '0' * 64


def sha(data):
    return hashlib.sha256(data).hexdigest()


def coreutils(folder, *argv):
    """stdout (bytes) of a coreutils command run in ``folder``."""
    return subprocess.run(list(argv), cwd=str(folder), capture_output=True, check=True).stdout


@NEEDS_COREUTILS
@pytest.mark.parametrize('options', [[], ['-b'], ['--tag']], ids=['text', 'binary', 'tag'])
def test_every_format_the_real_sha256sum_writes_is_read(tmp_path, options):
    files = {IMAGE: b'image', 'name with  spaces.rom': b'rom', 'back\\slash': b'escaped by sha256sum'}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    text = coreutils(tmp_path, 'sha256sum', *(options + sorted(files)))
    assert sums.parse(text) == dict((name, sha(data)) for name, data in files.items())
    assert sums.parse(text.replace(b'\n', b'\r\n')) == sums.parse(text)  # CRLF, as sha256sum -c (coreutils 9) takes it


def test_comments_empty_lines_other_algorithms_and_junk_are_no_entries():
    text = ('# comment %s  x\n\nMD5 (%s) = c8e76f16c3419f1876af88e71dd7775c\n%s  short\nnot a line\n%s  %s\n'
            % (sha(b'x'), IMAGE, 'abc', sha(b'i').upper(), IMAGE))
    record = sums.Sums(text)
    assert record.entries() == {IMAGE: sha(b'i')}
    assert [number for number, line in record.foreign()] == [3, 4, 5]


def test_a_name_listed_with_two_checksums_is_listed_by_nobody():
    text = '%s  %s\nSHA256 (%s) = %s\n%s  other\n' % (sha(b'a'), IMAGE, IMAGE, sha(b'b'), sha(b'o'))
    assert sums.parse(text) == {IMAGE: None, 'other': sha(b'o')}
    same = '%s  %s\nSHA256 (%s) = %s\n' % (sha(b'a'), IMAGE, IMAGE, sha(b'a'))
    assert sums.parse(same) == {IMAGE: sha(b'a')}


def test_an_update_keeps_every_byte_it_does_not_set():
    # CRLF, a comment with bytes that are not UTF-8, the BSD format, an empty line, another algorithm, a name listed
    # twice (stale), binary mode, no newline at the end.
    data = (b'# \xff\xfe hand-made\r\n'
            b'SHA256 (notes.txt) = 993450ac02651392d07d4aeaf873b0578ad058fd39ba89f5356a37274e335f67\r\n'
            b'\r\n'
            b'MD5 (notes.txt) = c8e76f16c3419f1876af88e71dd7775c\r\n'
            b'SHA256 (' + IMAGE.encode() + b') = ' + OLD.encode() + b'\r\n'
            b'' + OLD.encode() + b'  ' + IMAGE.encode() + b'\r\n'
            b'7e4fa2eb8c7ac089739d5defc4489fad68a100d92082ca35c6b40a4524821f87 *pve2.image')
    record = sums.Sums(data)
    assert record.update({IMAGE: sha(b'new image'), CONFIG: sha(b'config'), 'pve2.image': sha(b'other\n')}) == [
        CONFIG, IMAGE]
    assert record.to_bytes() == (
        b'# \xff\xfe hand-made\r\n'
        b'SHA256 (notes.txt) = 993450ac02651392d07d4aeaf873b0578ad058fd39ba89f5356a37274e335f67\r\n'
        b'\r\n'
        b'MD5 (notes.txt) = c8e76f16c3419f1876af88e71dd7775c\r\n'
        b'SHA256 (' + IMAGE.encode() + b') = ' + sha(b'new image').encode() + b'\r\n'  # in place, in its format;
        # its second line is dropped
        b'7e4fa2eb8c7ac089739d5defc4489fad68a100d92082ca35c6b40a4524821f87 *pve2.image\r\n'  # same sha256: unchanged
        b'' + sha(b'config').encode() + b' *' + CONFIG.encode() + b'\r\n')  # a new name: at the end, in the format
    # of the last entry (binary mode) and with the file's CRLF


@pytest.mark.parametrize('before, added', [
    ('', '%s  %s\n'),
    ('SHA256 (notes.txt) = %s\n' % sha(b'n'), 'SHA256 (%(name)s) = %(digest)s\n'),
    ('%s *notes.txt' % sha(b'n'), '%s *%s\n'),
], ids=['empty', 'bsd', 'binary-no-final-newline'])
def test_a_new_name_is_added_at_the_end_in_the_format_of_the_file(before, added):
    record = sums.Sums(before)
    record.update({CONFIG: sha(b'c')})
    line = (added % {'name': CONFIG, 'digest': sha(b'c')}) if '%(' in added else added % (sha(b'c'), CONFIG)
    assert record.to_bytes().decode() == (before + '\n' if before and not before.endswith('\n') else before) + line


def test_a_line_that_is_no_entry_but_names_a_file_being_written_is_refused():
    text = '# %s was restored once\n%s  %s\nMD5 (%s) = c8e76f16c3419f1876af88e71dd7775c\n' % (IMAGE, sha(b'c'), CONFIG, IMAGE)
    record = sums.Sums(text, path='/backup/SHA256SUMS')
    assert record.update({CONFIG: sha(b'other config')}) == [CONFIG]  # the MD5 line names another file: kept
    with pytest.raises(sums.SumsError) as err:
        record.update({IMAGE: sha(b'i')})
    assert (err.value.path, err.value.number) == ('/backup/SHA256SUMS', 3)
    assert err.value.line == 'MD5 (%s) = c8e76f16c3419f1876af88e71dd7775c' % IMAGE
    assert str(err.value).startswith('/backup/SHA256SUMS line 3 is not a sha256sum line')
    assert record.entries() == {CONFIG: sha(b'other config')}  # nothing changed by the refused update
    record.update({CONFIG: sha(b'other config')})  # no change, no refusal: a comment may name anything


def test_load_absent_is_empty_and_unreadable_is_an_error(tmp_path):
    assert sums.load(str(tmp_path / 'SHA256SUMS')).to_bytes() == b''
    (tmp_path / 'SHA256SUMS').mkdir()
    with pytest.raises(sums.SumsError) as err:
        sums.load(str(tmp_path / 'SHA256SUMS'))
    assert err.value.path == str(tmp_path / 'SHA256SUMS') and 'cannot be read' in str(err.value)


@NEEDS_COREUTILS
def test_what_an_update_writes_checks_with_the_real_sha256sum(tmp_path):
    for name, data in ((IMAGE, b'image'), (CONFIG, b'config'), ('notes.txt', b'notes')):
        (tmp_path / name).write_bytes(data)
    hand_made = (b'# hand-made\r\n\r\n' + coreutils(tmp_path, 'sha256sum', '--tag', 'notes.txt').replace(b'\n', b'\r\n')
                 + b'SHA256 (' + IMAGE.encode() + b') = ' + OLD.encode() + b'\r\n')
    record = sums.Sums(hand_made)
    record.update({IMAGE: sha(b'image'), CONFIG: sha(b'config')})
    (tmp_path / 'SHA256SUMS').write_bytes(record.to_bytes())
    res = subprocess.run(['sha256sum', '--check', '--strict', 'SHA256SUMS'], cwd=str(tmp_path), capture_output=True,
                         text=True, check=False)
    assert res.returncode == 0, res
    assert sorted(res.stdout.splitlines()) == sorted(['%s: OK' % IMAGE, '%s: OK' % CONFIG, 'notes.txt: OK'])
