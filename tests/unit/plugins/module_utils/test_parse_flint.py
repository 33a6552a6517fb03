# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""parse_flint on every flint/mstflint fixture, expected values written out."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from conftest import load_fixture, load_streams

from ansible_collections.homelab.connectx.plugins.module_utils import parse_flint
from ansible_collections.homelab.connectx.plugins.module_utils.errors import ParseError

# fixture (capture index) -> expected subset of parse_query
QUERY = [
    ('flint_query/connectx2-mstflint-q-2.9.1000-26428-old-format.txt', 0,
     {'image_type': 'FS2', 'psid': 'MT_0D90110009', 'fw_version': '2.9.1000', 'device_id': '26428', 'supported': True,
      'base_guid': '0002c903000cc89a', 'base_mac': '0002c90cc89a', 'rom_version': None}),
    ('flint_query/cx3-flint-query-full-after-burn-running-differs.txt', 0,
     {'image_type': 'FS2', 'psid': 'MT_1170110023', 'fw_version': '2.42.5000', 'fw_version_running': '2.35.5100',
      'device_id': '4099', 'rom_version': '3.4.752', 'prs_name': 'cx3-1_MCX311A.prs', 'base_mac': 'e41d2ddd7850',
      'macs': ['e41d2ddd7850', 'e41d2ddd7851'], 'vsd': None}),
    ('flint_query/cx3-flint-query-full-fw2.35.5100-MT_1170110023.txt', 0,
     {'psid': 'MT_1170110023', 'fw_version': '2.35.5100', 'fw_version_running': None, 'rom_version': '3.4.648'}),
    ('flint_query/cx3-mstflint-q-2.42.5000-MT_1090120019-lkml-email.txt', 0,
     {'psid': 'MT_1090120019', 'fw_version': '2.42.5000', 'device_id': '4099', 'rom_version': '3.4.752', 'supported': True}),
    ('flint_query/cx3-mstflint-q-fw2.35.5100-MT_1170110023-kube05.txt', 0,
     {'psid': 'MT_1170110023', 'fw_version': '2.35.5100', 'base_mac': 'e41d2ddd88a0'}),
    ('flint_query/cx3pro-hp544-flint-query-full-2.42.5044-winmft.txt', 0,
     {'psid': 'HP_1370110017', 'fw_version': '2.42.5044', 'device_id': '4103', 'rom_version': '3.4.754',
      'base_guid': '9cdc71ffff5aae90'}),
    ('flint_query/cx3pro-hp544-mstflint-4.29-q-INI-revision-GeoAddr-trailing-spaces-issue1157.txt', 0,
     {'psid': 'HP_1370110017', 'fw_version': '2.42.5044', 'device_id': '4103', 'rom_version': '3.4.754',
      'ini_revision': '0x5506ff89', 'vsd': None}),
    ('flint_query/cx3pro-mstflint-q-2.42.5000-MT_1090111019-after-reboot.txt', 0,
     {'psid': 'MT_1090111019', 'fw_version': '2.42.5000', 'device_id': '4103', 'base_mac': 'e41d2d1f28c0'}),
    ('flint_query/cx4-cx4lx-mstflint-q-FS3-3samples.txt', 0,
     {'image_type': 'FS3', 'supported': False, 'psid': 'MT_2150110033', 'fw_version': '12.28.2006',
      'base_guid': '98039b0300688698', 'base_mac': '98039b688698', 'rom_version': '3.6.102'}),
    ('flint_query/cx4-ibm-flint-query-FS3-old-narrow-columns.txt', 0,
     {'image_type': 'FS3', 'supported': False, 'psid': 'IBM2190110032', 'fw_version': '12.17.2010'}),
    ('flint_query/cx5-mstflint-q-FS4-MT_0000000248-MCX542B.txt', 0,
     {'image_type': 'FS4', 'supported': False, 'psid': 'MT_0000000248', 'fw_version': '16.25.1020'}),
    ('flint_query/cx6-ironic-fixture-IMAGE-query-FS4-BaseGUID-NA-SecurityVer.txt', 0,
     {'image_type': 'FS4', 'supported': False, 'psid': 'MT_0000000228', 'fw_version': '20.36.1012', 'base_guid': None}),
    ('flint_query/cx6-ironic-python-agent-test-fixture-mstflint-q-FS4.txt', 0,
     {'image_type': 'FS4', 'psid': 'MT_0000000228', 'fw_version': '20.35.1012', 'base_mac': '043f72f04c46'}),
    ('flint_query/cx6lx-bf-flint-query-FS4-secure-fw-mt4127.txt', 0,
     {'image_type': 'FS4', 'psid': 'MT_0000000575', 'fw_version': '26.33.1048'}),
    ('flint_query/lowconf/cx3-winmft4.13-flint-q-and-sg-mac-tutorial.txt', 0,
     {'psid': 'MT_1170110023', 'fw_version': '2.33.5220', 'rom_version': '3.4.467'}),
    ('local/emulated-mstflint-q-qcbt.txt', 0,
     {'image_type': 'FS2', 'psid': 'MT_1090110018', 'fw_version': '2.40.5030', 'fw_version_running': None,
      'device_id': '4099', 'rom_version': '3.4.746', 'base_guid': '0002c90300a0b0c0', 'base_mac': '0002c9a0b0c1',
      'description': 'Node Port1 Port2 Sys image', 'product_version': '02.40.50.30', 'fw_release_date': '18.3.2017',
      'rom_info': [{'type': 'PXE', 'version': '3.4.746'}], 'supported': True}),
    ('local/emulated-mstflint-q-qcbt.txt', 1, {'prs_name': 'cx3-1_MCX354A_qdr.prs', 'psid': 'MT_1090110018'}),
    ('local/emulated-mstflint-burn.txt', 3,
     {'psid': 'MT_1090120019', 'fw_version': '2.42.5000', 'fw_version_running': '2.40.5030'}),
    ('local/emulated-mstflint-image-verify.txt', 0, {'psid': 'MT_1090120019', 'fw_version': '2.42.5000', 'rom_version': '3.4.752'}),
]


@pytest.mark.parametrize('name, index, expected', QUERY, ids=['%s[%d]' % (q[0].split('/')[-1], q[1]) for q in QUERY])
def test_parse_query(name, index, expected):
    result = parse_flint.parse_query(load_fixture(name)[index])
    for key, value in expected.items():
        assert result[key] == value, key


def test_hp544_rom_info_continuation_lines():
    rom = parse_flint.parse_query(load_fixture(QUERY[6][0])[0])['rom_info']
    assert rom == [{'version_id': '8025', 'type': 'CLP'}, {'type': 'UEFI', 'version': '14.11.48', 'cpu': 'AMD64'},
                   {'type': 'PXE', 'version': '3.4.754'}]


@pytest.mark.parametrize('name', [
    'flint_query/connectx2-mstflint-q-Operation-not-supported-MFE_CR_ERROR-issue737.txt',
    'flint_query/cx3pro-mstflint-4.31-segfault.txt',
    'local/mstflint-q-nonexistent-bdf.txt',
    'local/mstflint-image-empty-query.txt',
    'local/mstflint-image-junk-query-full.txt',
])
def test_parse_query_refuses_error_outputs(name):
    with pytest.raises(ParseError) as err:
        parse_flint.parse_query(load_fixture(name)[0])
    assert err.value.reason == 'unexpected_output'


VERIFY = [
    ('flint_verify/cx3-flint-image-verify-2.42.5000-MCX311A.txt', 0,
     {'ok': True, 'failsafe': False, 'image_type': 'FS2', 'failures': [],
      'message': 'FW image verification succeeded. Image is bootable.'}),
    ('flint_verify/cx3pro-hp544-flint-image-verify-WRONG-CRC-failure.txt', 0,
     {'ok': False, 'failsafe': True, 'image_type': 'FS2',
      'message': 'FW image verification failed: Bad CRC.. AN HCA DEVICE CAN NOT BOOT FROM THIS IMAGE.'}),
    ('local/mstflint-image-junk-verify.txt', 0,
     {'ok': False, 'message': 'FW image verification failed: No valid image found. AN HCA DEVICE CAN NOT BOOT FROM THIS IMAGE.'}),
    ('local/emulated-mstflint-image-verify.txt', 1, {'ok': True, 'failsafe': True, 'failures': []}),
    ('local/emulated-mstflint-image-verify.txt', 2, {'ok': False, 'failsafe': True}),
    ('local/emulated-mstflint-burn.txt', 4, {'ok': True, 'failsafe': True}),
]


@pytest.mark.parametrize('name, index, expected', VERIFY, ids=['%s[%d]' % (v[0].split('/')[-1], v[1]) for v in VERIFY])
def test_parse_verify(name, index, expected):
    result = parse_flint.parse_verify(load_fixture(name)[index])
    for key, value in expected.items():
        assert result[key] == value, key


def test_parse_verify_sections_and_failure_line():
    bad = parse_flint.parse_verify(load_fixture('local/emulated-mstflint-image-verify.txt')[2])
    assert bad['sections'][1] == {'name': 'DDR', 'start': '0x00000078', 'end': '0x0002008b',
                                  'status': '/0x00000078/ - wrong CRC (exp:0x51cc, act:0x940f)'}
    assert bad['failures'][0] == '/0x00000078-0x0002008b (0x020014)/ (DDR) /0x00000078/ - wrong CRC (exp:0x51cc, act:0x940f)'
    good = parse_flint.parse_verify(load_fixture('local/emulated-mstflint-image-verify.txt')[1])
    assert [s['name'] for s in good['sections']] == ['BOOT2', 'DDR', 'Configuration', 'ROM', 'GUID', 'FW Configuration',
                                                     'Image Info', 'Full Image']
    with pytest.raises(ParseError):
        parse_flint.parse_verify('')


BURN = [
    ('flint_burn/cx3-en-ibm-flint-burn-PSID-mismatch-FS2-servethehome.txt', 0,
     {'ok': False, 'psid_mismatch': True, 'current_psid': 'IBM1080111023', 'image_psid': 'MT_1080110023',
      'current_version': '2.30.3200', 'image_version': '2.34.5000'}),
    ('flint_burn/cx3-flint-burn-image-nonfailsafe-2.35.5100-to-2.42.5000.txt', 0,
     {'ok': True, 'psid_mismatch': False, 'current_version': '2.35.5100', 'image_version': '2.42.5000', 'message': None}),
    ('flint_burn/cx3pro-mstflint-burn-allow_psid_change-MT_1090111023-to-MT_1090111019.txt', 0,
     {'ok': True, 'psid_mismatch': False, 'current_psid': 'MT_1090111023', 'image_psid': 'MT_1090111019',
      'current_version': '2.40.5032', 'image_version': '2.42.5000'}),
    ('flint_burn/cx4-ibm-power-flint-burn-psid-mismatch-then-fs3-burn.txt', 0,
     {'ok': False, 'psid_mismatch': True, 'current_psid': 'MT_2150110033', 'image_psid': 'IBM2150110033'}),
    ('flint_burn/cx4-mstflint-burn-FS3-fwctrl-MCC-flow.txt', 0,
     {'ok': True, 'current_version': '12.28.2006', 'image_version': '12.28.2302'}),
    ('flint_burn/cx5-innova-flint-PSID-mismatch-LNV-issue.txt', 0,
     {'ok': False, 'psid_mismatch': True, 'current_psid': 'LNV0000000025', 'image_psid': 'MT_0000000158'}),
    ('flint_burn/cx3pro-mstflint-crossflash-command-nofs-use_image_ps.txt', 0, {'ok': False, 'psid_mismatch': False}),
    ('local/emulated-mstflint-burn.txt', 0,
     {'ok': False, 'psid_mismatch': True, 'current_psid': 'MT_1090110018', 'image_psid': 'MT_1090120019',
      'message': 'PSID mismatch. The PSID on flash (MT_1090110018) differs from the PSID in the given image (MT_1090120019).'}),
    ('local/emulated-mstflint-burn.txt', 2,
     {'ok': True, 'psid_mismatch': False, 'current_psid': 'MT_1090110018', 'image_psid': 'MT_1090120019',
      'current_version': '2.40.5030', 'image_version': '2.42.5000', 'message': None}),
]


@pytest.mark.parametrize('name, index, expected', BURN, ids=['%s[%d]' % (b[0].split('/')[-1], b[1]) for b in BURN])
def test_parse_burn(name, index, expected):
    result = parse_flint.parse_burn(load_fixture(name)[index])
    for key, value in expected.items():
        assert result[key] == value, key


ERRORS = [
    ('flint_query/connectx2-mstflint-q-Operation-not-supported-MFE_CR_ERROR-issue737.txt', 'unsupported'),
    ('flint_query/cx3pro-mstflint-4.31-segfault.txt', 'unsupported'),
    ('flint_burn/cx3-en-ibm-flint-burn-PSID-mismatch-FS2-servethehome.txt', 'psid_mismatch'),
    ('flint_verify/cx3pro-hp544-flint-image-verify-WRONG-CRC-failure.txt', 'image_invalid'),
    ('local/mstflint-q-nonexistent-bdf.txt', 'no_device'),
    ('local/mstflint-q-nonexistent-full-bdf.txt', 'no_device'),
    ('local/mstflint-burn-nonexistent-device.txt', 'no_device'),
    ('local/mstflint-image-missing-file-query.txt', 'image_invalid'),
    ('local/mstflint-image-junk-verify.txt', 'image_invalid'),
    ('local/emulated-mstflint-burn.txt', 'psid_mismatch'),
]


@pytest.mark.parametrize('name, reason', ERRORS, ids=[e[0].split('/')[-1] for e in ERRORS])
def test_classify_error(name, reason):
    assert parse_flint.classify_error(load_fixture(name)[0])['reason'] == reason


def test_classify_error_messages_and_rc():
    assert parse_flint.classify_error(load_fixture('local/mstflint-q-nonexistent-bdf.txt')[0]) == {
        'reason': 'no_device', 'message': load_fixture('local/mstflint-q-nonexistent-bdf.txt')[0].split('-E- ')[1].split('\n')[0].strip()}
    assert parse_flint.classify_error('', rc=-11) == {'reason': 'unsupported', 'message': 'unsupported'}
    assert parse_flint.classify_error(None) == {'reason': 'unknown', 'message': 'no output'}
    semaphore = ('-E- Cannot open Device: 0000:03:00.0. Can not obtain Flash semaphore. You can run '
                 '"flint -clear_semaphore -d <device>" to force semaphore unlock. See help for details.')
    assert parse_flint.classify_error(semaphore)['reason'] == 'semaphore'
    write = '-E- Burning FS2 image failed: Flash write failed: ... MFE_VERIFY_ERROR'
    assert parse_flint.classify_error(write)['reason'] == 'flash_error'


def test_parse_version():
    assert parse_flint.parse_version(load_fixture('local/mstflint-version.txt')[0]) == {
        'tool': 'mstflint', 'package': 'mstflint', 'version': '4.21.0', 'version_tuple': [4, 21, 0], 'release': None,
        'git_sha': None}
    segv = parse_flint.parse_version(load_fixture('flint_query/cx3pro-mstflint-4.31-segfault.txt')[0])
    assert segv['version_tuple'] == [4, 31, 0] and segv['git_sha'] == 'e94e92f'
    with pytest.raises(ParseError):
        parse_flint.parse_version('-E- Unknown option')


# Real `flint --version` / `mst version` lines of NVIDIA MFT (fixtures mft_version/): with and without "built on",
# the version ended by "," or "."; mstvpd's own version (2.0.0) is not mstflint's.
@pytest.mark.parametrize('fixture, expected', [
    ('mft_version/mft4.22-flint-v-4.22.1-526-nvidia-forum.txt',
     {'tool': 'flint', 'package': 'mft', 'version': '4.22.1', 'version_tuple': [4, 22, 1], 'release': '526',
      'git_sha': None}),
    # the bug-report script's "MST Version: " before mst's line
    ('mft_version/mft4.32-mst-version-gce-cos-bug-report.txt',
     {'tool': 'mst', 'package': 'mft', 'version': '4.32.0', 'version_tuple': [4, 32, 0], 'release': '120',
      'git_sha': None}),
    ('mft_version/lowconf/mft4.33-mst-version-quoted-in-code-comment.txt',
     {'tool': 'mst', 'package': 'mft', 'version': '4.33.0', 'version_tuple': [4, 33, 0], 'release': '53',
      'git_sha': None}),
    ('mft_version/mft4.34-mst-version-and-apt-list-doca-host-3.2.1-dgx-spark.txt',
     {'tool': 'mst', 'package': 'mft', 'version': '4.34.1', 'version_tuple': [4, 34, 1], 'release': '12',
      'git_sha': '59c0ccce2'}),
])
def test_parse_mft_version(fixture, expected):
    assert parse_flint.parse_version(load_fixture(fixture)[0].replace('MST Version: ', '')) == expected


def test_parse_version_takes_the_package_version_of_each_line():
    lines = load_fixture('mft_version/mft4.36-flint-v-beside-mstflint-4.26-mstvpd-gb300.txt')[0].splitlines()
    mstvpd = parse_flint.parse_version(next(line for line in lines if line.startswith('mstvpd ')))
    assert (mstvpd['tool'], mstvpd['package'], mstvpd['version'], mstvpd['git_sha']) == \
        ('mstvpd', 'mstflint', '4.26.0', '9f7f49c')
    flint = parse_flint.parse_version(next(line for line in lines if line.startswith('flint, ')))
    assert (flint['tool'], flint['package'], flint['version'], flint['release'], flint['git_sha']) == \
        ('flint', 'mft', '4.36.0', '147', '7a24adf8c')


@pytest.mark.parametrize('name', ['local/trixie-mstflint-4.31-query-cx3.txt', 'local/trixie-mstflint-4.31-query-cx3pro.txt'])
def test_debian13_mstflint_4_31_query_with_its_extra_lines(name):
    """4.31 prints INI revision, Geographical Address, Socket Direct and Aux Card lines after PSID on an FS2 card
    (values that change from run to run): the fields the modules read are the same as 4.21's."""
    runs = load_streams(name)
    assert len(runs) == 2 and all(r['status'] == '[exit code: 0]' and r['stderr'] == '' for r in runs)
    for run in runs:
        result = parse_flint.parse_query(run['stdout'])
        assert result['image_type'] == 'FS2' and result['psid'] in ('MT_1090110018', 'MT_1090111023')
        assert result['fw_version'] in ('2.40.5030', '2.40.5032') and result['rom_version'] == '3.4.746'
        assert 'INI revision:' in run['stdout'] and 'Socket Direct:' in run['stdout']


@pytest.mark.parametrize('name', ['local/trixie-mstflint-4.31-query-cx3-vsc.txt', 'local/trixie-mstflint-4.31-query-cx3pro-vsc.txt'])
def test_debian13_mstflint_4_31_crash_is_unsupported(name):
    """No output at all, killed by SIGSEGV (the runner sees rc -11): the card is unsupported by this tool."""
    (run,) = load_streams(name)
    assert run['stdout'] == run['stderr'] == '' and 'SIGSEGV' in run['status']
    assert parse_flint.classify_error(run['stdout'], rc=-11)['reason'] == 'unsupported'
    assert parse_flint.classify_error(run['stdout'], rc=139)['reason'] == 'unsupported'
