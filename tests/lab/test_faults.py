# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fault matrix, card side: each fault injected into an emulated card under the real mstflint 4.21, with
the outcome asserted on the card itself (flash PSID, running firmware, flash writes) and on the backup.

Rows of the reliability issue covered here: burn killed midway, flash write error (test_modules_emulated),
corrupted image / wrong sha256, CX-3 Pro image on a CX-3 and dual-port image on a single-port card, PSID
pair not allowlisted, mstflint >= 4.26, stuck flash semaphore, card absent, backup lost on the controller,
two burns of one card at once (and the same card address on two machines: no wait); the unknown card fit
(issue 19): an OEM card whose PSID the board table does not know; and the faults the tool reports as success, which
only the module's own read-back catches (silent flash corruption after a burn, corrupt read-back of a backup, NV
write lost).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import contextlib
import hashlib
import os
import subprocess
import sys
import time

import pytest

from modrun import run_module

HERE = os.path.dirname(os.path.abspath(__file__))
EMU = os.path.join(HERE, 'emulator')
BDF = '0000:03:00.0'
SHIM = os.path.join(EMU, 'libfakemlx.so')
# The burn lock of the card, as the module names it on every machine (each emulated root serves its own /run/lock).
LOCK = '/run/lock/homelab-connectx-%s.lock' % BDF.replace(':', '_')
sys.path.insert(0, HERE)
from test_modules_emulated import Lab, build_image, check_tool, shim  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import


def make_card(lab, tmp_path, preset='MCX354A-QCBT', netdevs='ens1,ens1d1', extra=(), name='emu'):
    emu = Lab(lab, tmp_path / name)
    emu.cardctl('create', '--bdf', BDF, '--preset', preset, '--pcie-speed', '8', '--pcie-width', '8', '--netdevs', netdevs,
                *extra)
    emu.cardctl('boot')
    return emu


@pytest.fixture
def card(lab, shim, tmp_path):  # noqa: F811  pylint: disable=redefined-outer-name
    return make_card(lab, tmp_path)


def backed_up(card, tmp_path, name='backup'):
    dest = str(tmp_path / name)
    res = card.module('mlx_firmware_backup', device=BDF, dest=dest)
    assert res['changed'], res
    return dest, res


def digest(path):
    with open(path, 'rb') as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def test_burn_killed_midway_boots_old_image_and_backup_restores(card, tmp_path):
    dest, backup = backed_up(card, tmp_path)
    image_sum = digest(backup['files']['image']['path'])
    card.cardctl('fault', '--bdf', BDF, 'set', 'kill_after_bytes=65536')
    res = card.module('mlx_firmware_burn', device=BDF, image=card.image('MCX354A-FCBT'), backup_dir=dest, allow_psid_change=True)
    assert res['failed'] and res['reason'] == 'burn_failed', res
    assert digest(backup['files']['image']['path']) == image_sum  # the backup is intact
    card.cardctl('fault', '--bdf', BDF, 'clear')
    card.cardctl('boot')  # power cycle: the failsafe flash still boots the old image
    state = card.show()
    assert (state['running_fw'], state['flash_psid'], state['flash_fw']) == ('2.40.5030', 'MT_1090110018', '2.40.5030')
    # Restore: the backup image burns back (same PSID) and the card is where it started.
    res = card.module('mlx_firmware_burn', device=BDF, image=backup['files']['image']['path'], backup_dir=dest, force=True)
    assert res['burned'] and res['current'] == {'psid': 'MT_1090110018', 'fw_version': '2.40.5030'}, res


def test_dual_port_image_refused_on_single_port_card(lab, shim, tmp_path):  # noqa: F811
    card = make_card(lab, tmp_path, preset='MCX353A-FCBT')
    dest = backed_up(card, tmp_path)[0]
    res = card.module('mlx_firmware_burn', device=BDF, image=card.image('MCX354A-FCBT'), backup_dir=dest, allow_psid_change=True,
                      allowed_psid_changes=[{'from': 'MT_1100120019', 'to': 'MT_1090120019'}])
    assert res['reason'] == 'device_mismatch' and '2-port board' in res['msg'], res
    assert card.show()['counters']['flash_program_ops'] == 0


def test_oem_single_port_card_is_not_burned_with_a_dual_port_image(lab, shim, tmp_path):  # noqa: F811
    """The incident of issue 19: a single-port card with an OEM PSID the board table does not know, a dual-port
    image, the PSID pair allowlisted. The card's VPD part number (MCX353A-FCBT) says one port: refused, and naming
    the card in allow_unverified_fit does not override a known misfit."""
    card = make_card(lab, tmp_path, 'MCX353A-FCBT', 'ens1', ['--psid', 'LAB1100120019'])
    dest = backed_up(card, tmp_path)[0]
    common = dict(device=BDF, image=card.image('MCX354A-FCBT'), backup_dir=dest, allow_psid_change=True,
                  allowed_psid_changes=[{'from': 'LAB1100120019', 'to': 'MT_1090120019'}])
    res = card.module('mlx_firmware_burn', **common)
    assert res['reason'] == 'device_mismatch' and '2-port board' in res['msg'], res
    assert 'VPD part number MCX353A-FCBT (1 port)' in res['msg'] and 'Nothing has been changed' in res['msg'], res
    assert (res['fit']['card']['ports'], res['fit']['image']['ports']) == (1, 2)
    res = card.module('mlx_firmware_burn', allow_unverified_fit=[BDF], **common)
    assert res['reason'] == 'device_mismatch', res
    state = card.show()
    assert state['counters']['flash_program_ops'] == 0 and state['flash_psid'] == 'LAB1100120019', state


def test_unknown_card_fit_is_refused_unless_the_card_is_named(lab, shim, tmp_path):  # noqa: F811
    """A ConnectX-3 Pro card whose PSID, VPD part number and PRS name say nothing of its ports, with one netdev:
    the fit of a dual-port image cannot be established - refused with the facts, burned once the card is named."""
    flash = tmp_path / 'oem-flash.bin'
    flash.write_bytes(build_image.build('HP-544PFLR', psid='LAB1380110017', prs='synthetic.prs'))
    card = make_card(lab, tmp_path, 'HP-544PFLR', 'ens1', ['--image', str(flash)])
    dest = backed_up(card, tmp_path)[0]
    common = dict(device=BDF, image=card.image('MCX354A-FCCT'), backup_dir=dest, allow_psid_change=True,
                  allowed_psid_changes=[{'from': 'LAB1380110017', 'to': 'MT_1090111019'}])
    res = card.module('mlx_firmware_burn', **common)
    assert res['reason'] == 'fit_unknown', res
    for fact in ('PSID LAB1380110017 (not in the board table)', 'VPD part number 764285-B21', 'PRS name synthetic.prs',
                 'PSID MT_1090111019 (2 ports)', "connectx_firmware_unverified_fit: ['0000:03:00.0']",
                 'Nothing has been changed'):
        assert fact in res['msg'], (fact, res['msg'])
    assert card.show()['counters']['flash_program_ops'] == 0
    res = card.module('mlx_firmware_burn', allow_unverified_fit=['03:00.0'], **common)
    assert res['burned'] and res['fit']['unverified_override'] and res['warnings'], res
    assert card.show()['flash_psid'] == 'MT_1090111019'


def test_newer_mstflint_is_refused_with_the_fix(card, tmp_path):
    bindir = tmp_path / 'bin'
    bindir.mkdir()
    for tool in ('mstflint', 'mstconfig'):
        os.symlink(os.path.join(EMU, 'mstflint-4.26-wrapper'), str(bindir / tool))
    env = {'PATH': '%s:%s' % (bindir, os.environ['PATH']), 'FAKEMLX_TOOL_VERSION': '4.26.0'}
    dest = str(tmp_path / 'backup')
    res = run_module('mlx_config', card.root, env=env, device=BDF, settings={'LINK_TYPE_P1': 'ETH'})
    assert res['reason'] == 'tool_unsupported' and 'mstflint=4.21.0+1-1' in res['msg'], res
    info = run_module('mlx_device_info', card.root, env=env)
    check_tool(info['tool'], '4.26.0', False)
    assert not os.path.exists(dest) and card.show()['counters']['flash_program_ops'] == 0


def test_stuck_semaphore_gives_a_clear_error_and_writes_nothing(card, tmp_path):
    dest = backed_up(card, tmp_path)[0]
    card.cardctl('fault', '--bdf', BDF, 'set', 'semaphore_stuck=1')
    res = card.module('mlx_firmware_burn', device=BDF, image=card.image('MCX354A-FCBT'), backup_dir=dest, allow_psid_change=True)
    assert res['reason'] == 'semaphore' and '-clear_semaphore' in res['msg'], res
    assert card.show()['counters']['flash_program_ops'] == 0


def test_absent_card(card, tmp_path):
    card.cardctl('fault', '--bdf', BDF, 'set', 'absent=1')
    assert card.module('mlx_device_info')['devices'] == []
    res = card.module('mlx_firmware_backup', device=BDF, dest=str(tmp_path / 'b'))
    assert res['reason'] == 'no_device', res


def test_lost_backup_refuses_the_burn(card, tmp_path):
    dest, backup = backed_up(card, tmp_path)
    os.unlink(backup['files']['image']['path'])
    res = card.module('mlx_firmware_burn', device=BDF, image=card.image('MCX354A-FCBT'), backup_dir=dest, allow_psid_change=True)
    assert res['reason'] == 'no_backup', res
    # A backup whose checksum no longer matches is no backup either.
    backed_up(card, tmp_path)
    with open(backup['files']['image']['path'], 'ab') as handle:
        handle.write(b'\0')
    res = card.module('mlx_firmware_burn', device=BDF, image=card.image('MCX354A-FCBT'), backup_dir=dest, allow_psid_change=True)
    assert res['reason'] == 'no_backup', res
    assert card.show()['counters']['flash_program_ops'] == 0


@contextlib.contextmanager
def burn_lock_held(root):
    """A process of the emulated machine ``root`` (under the shim, as the module runs) that holds the card's burn lock
    /run/lock/homelab-connectx-<bdf>.lock, as another play burning that card does, until the block ends."""
    code = ('import fcntl, os, sys\n'
            'fd = os.open(sys.argv[1], os.O_CREAT | os.O_RDWR, 0o600)\n'
            'fcntl.flock(fd, fcntl.LOCK_EX)\n'
            'print("held", flush=True)\n'
            'sys.stdin.read()\n')
    env = dict(os.environ, LD_PRELOAD=SHIM, FAKEMLX_ROOT=root)
    holder = subprocess.Popen([sys.executable, '-c', code, LOCK], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline() == 'held\n'
        yield
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


def test_two_burns_of_one_card_do_not_overlap(card, tmp_path):
    dest = backed_up(card, tmp_path)[0]
    with burn_lock_held(card.root):  # another play is burning this card
        start = time.time()
        res = card.module('mlx_firmware_burn', device=BDF, image=card.image('MCX354A-FCBT'), backup_dir=dest,
                          allow_psid_change=True, lock_timeout=2)
        assert res['reason'] == 'locked' and LOCK in res['msg'] and time.time() - start >= 2, res
    assert card.show()['counters']['flash_program_ops'] == 0
    res = card.module('mlx_firmware_burn', device=BDF, image=card.image('MCX354A-FCBT'), backup_dir=dest, allow_psid_change=True)
    assert res['burned'] and res['waited_for_lock'] == 0.0


def test_the_same_card_address_on_two_machines_burns_without_waiting(lab, shim, tmp_path):  # noqa: F811
    """Two emulated machines (two roots, as two test runs on one machine) with a card at the same address: each has
    its own lock; the one whose lock is held waits, the other burns at once."""
    one, two = make_card(lab, tmp_path, name='one'), make_card(lab, tmp_path, name='two')
    dest_one, dest_two = backed_up(one, tmp_path, 'backup-one')[0], backed_up(two, tmp_path, 'backup-two')[0]
    with burn_lock_held(one.root):
        res = two.module('mlx_firmware_burn', device=BDF, image=two.image('MCX354A-FCBT'), backup_dir=dest_two,
                         allow_psid_change=True, lock_timeout=2)
        assert res.get('burned') and res['waited_for_lock'] == 0.0, res
        res = one.module('mlx_firmware_burn', device=BDF, image=one.image('MCX354A-FCBT'), backup_dir=dest_one,
                         allow_psid_change=True, lock_timeout=2)
        assert res['reason'] == 'locked' and LOCK in res['msg'], res
    assert one.show()['counters']['flash_program_ops'] == 0 and two.show()['flash_psid'] == 'MT_1090120019'
    assert os.path.isfile(os.path.join(two.root, 'run', 'lock', os.path.basename(LOCK)))


# Faults the tool reports as success: only the module's own read-back can tell (issue 19).

def test_flash_that_loses_a_bit_after_the_burn_fails_the_verify(card, tmp_path):
    dest, backup = backed_up(card, tmp_path)
    image = card.image('MCX354A-FCBT')
    # The new image goes to the second half of the flash (0x80000); 0x90000 is in its DDR section, under a CRC.
    # mstflint reads back every write, so the byte must be right while it burns: it decays when the tool has exited.
    card.cardctl('fault', '--bdf', BDF, 'set', 'flash_decay_at=0x90000')
    res = card.module('mlx_firmware_burn', device=BDF, image=image, backup_dir=dest, allow_psid_change=True)
    assert res.get('failed') and res['reason'] == 'verify_failed', res
    assert res['msg'].startswith('The burn reported success, but after it the flash of %s holds MT_1090120019 2.42.5000 '
                                 'and does not verify (FW image verification failed: Bad CRC' % BDF), res
    assert res['msg'].endswith('; do not reboot, burn the backup back with skip_backup_check (a flash that does not '
                               'verify cannot be backed up).'), res
    assert not res.get('changed') and 'burned' not in res and 'reboot_required' not in res, res
    burn = [call for call in res['commands'] if call['argv'][-1] == 'burn']
    assert [call['rc'] for call in burn] == [0]  # the tool said it burned
    state = card.show()
    assert (state['flash_psid'], state['flash_fw'], state['running_fw']) == ('MT_1090120019', '2.42.5000', '2.40.5030')
    with open(image, 'rb') as handle, open(os.path.join(card.root, 'cards', BDF, 'flash.bin'), 'rb') as flash:
        wanted, written = handle.read()[0x10000], flash.read()[0x90000]
    assert written != wanted and written == wanted | (~wanted & (wanted + 1)) & 0xff  # its lowest 0 bit reads 1 again
    card.cardctl('fault', '--bdf', BDF, 'clear')
    res = card.module('mlx_firmware_backup', device=BDF, dest=dest)  # what the flash holds now is no backup
    assert res['reason'] == 'backup_invalid', res
    # The way out the message gives: the backup burns back (to the first half) and verifies.
    res = card.module('mlx_firmware_burn', device=BDF, image=backup['files']['image']['path'], skip_backup_check=True,
                      allow_psid_change=True, allowed_psid_changes=[{'from': 'MT_1090120019', 'to': 'MT_1090110018'}])
    assert res.get('burned') and res['current'] == {'psid': 'MT_1090110018', 'fw_version': '2.40.5030'}, res
    state = card.show()
    assert (state['flash_psid'], state['flash_image_start'], state['running_fw']) == ('MT_1090110018', 0, '2.40.5030')


def test_nv_write_lost_fails_the_read_back(card):
    card.cardctl('fault', '--bdf', BDF, 'set', 'nv_write_lost=1')
    res = card.module('mlx_config', device=BDF, settings={'LINK_TYPE_P1': 'ETH', 'SRIOV_EN': False})
    assert res.get('failed') and res['reason'] == 'verify_failed', res
    assert res['msg'] == 'After setting, LINK_TYPE_P1 still reads VPI(3) on %s.' % BDF, res
    assert not res.get('changed') and 'changed_settings' not in res and 'reboot_required' not in res, res
    sets = [call for call in res['commands'] if 'set' in call['argv']]
    assert [call['rc'] for call in sets] == [0] and 'Applying... Done!' in sets[0]['stdout']  # the tool said done
    state = card.show()
    assert state['nv'] == {} and state['counters']['nv_writes'] == 1  # written, acknowledged, not kept
    card.cardctl('fault', '--bdf', BDF, 'clear')
    res = card.module('mlx_config', device=BDF, settings={'LINK_TYPE_P1': 'ETH', 'SRIOV_EN': False})
    assert res['changed'] and res['changed_settings'] == ['LINK_TYPE_P1'] and res['after']['LINK_TYPE_P1'] == 'ETH(2)', res
    assert len(card.show()['nv']) == 1


def test_corrupt_read_back_is_no_backup(card, tmp_path):
    dest = str(tmp_path / 'backup')
    # Reads of flash byte 0x10000 (DDR section of the image at 0) come back with a bit flipped; the flash is intact.
    card.cardctl('fault', '--bdf', BDF, 'set', 'flash_read_flip_at=0x10000')
    res = card.module('mlx_firmware_backup', device=BDF, dest=dest)
    assert res.get('failed') and res['reason'] == 'backup_invalid', res
    wanted = 'The image read back from %s does not verify (FW image verification failed: Bad CRC' % BDF
    assert res['msg'].startswith(wanted) and 'the backup was removed' in res['msg'], res
    assert 'files' not in res and not res.get('changed'), res
    reads = [call for call in res['commands'] if 'ri' in call['argv']]
    assert [call['rc'] for call in reads] == [0]  # the tool said it read the image
    assert os.listdir(dest) == []  # no image, no partial file, no SHA256SUMS line
    res = card.module('mlx_firmware_burn', device=BDF, image=card.image('MCX354A-FCBT'), backup_dir=dest, allow_psid_change=True)
    assert res['reason'] == 'no_backup', res
    state = card.show()
    assert state['counters']['flash_program_ops'] == 0 and state['flash_psid'] == 'MT_1090110018'
    # The flash was right all along: with the read path mended the backup verifies and is the card's image.
    card.cardctl('fault', '--bdf', BDF, 'clear')
    backup = backed_up(card, tmp_path)[1]
    with open(backup['files']['image']['path'], 'rb') as handle, \
            open(os.path.join(card.root, 'cards', BDF, 'flash.bin'), 'rb') as flash:
        saved = handle.read()
        assert flash.read()[:len(saved)] == saved
