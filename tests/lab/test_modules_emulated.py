# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The modules, run for real against emulated cards with the real mstflint 4.21 tools.

Each test gets a fresh emulator root with one MCX354A-QCBT (MT_1090110018, 2.40.5030) at 0000:03:00.0;
the card's own state (flash PSID, running firmware, flash writes) is read back with cardctl.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import json
import os
import subprocess
import stat
import sys

import pytest

from modrun import run_module

HERE = os.path.dirname(os.path.abspath(__file__))
EMU = os.path.join(HERE, 'emulator')
BDF = '0000:03:00.0'
sys.path.insert(0, os.path.join(HERE, 'firmware'))
import build_image  # noqa: E402  pylint: disable=wrong-import-position,import-error


def check_tool(tool, version, supports_connectx3):
    """mlx_device_info's ``tool`` for the mstflint of this machine: the version the binary says, and the Debian package
    that brought it as dpkg-query on this machine prints it (version; held or not)."""
    tool = dict(tool)
    package = tool.pop('package'), tool.pop('package_version'), tool.pop('held')
    assert tool == {'name': 'mstflint', 'version': version, 'supports_connectx3': supports_connectx3, 'installed': True}
    installed = subprocess.run(['dpkg-query', '--show', '--showformat=${Version}', 'mstflint'], capture_output=True,
                               text=True, check=True).stdout
    assert package[0] == 'mstflint' and package[1] == installed and package[2] in (True, False)


@pytest.fixture(scope='module')
def shim(lab):
    lab.need('gcc', 'make', 'mstflint', 'mstconfig', 'mstvpd')
    res = lab.run(['make', '-s', '-C', EMU])
    assert res.returncode == 0, res.stdout + res.stderr


class Lab(object):
    """One emulated machine: its cards, and its own /run/lock (run/lock/ made before `cardctl create` makes the
    shim serve /run/lock from the root), so that burns in other roots, or in another test run on this machine,
    never share a card's lock with it."""

    def __init__(self, lab, root):
        self.lab, self.root = lab, str(root)
        os.makedirs(os.path.join(self.root, 'run', 'lock'), exist_ok=True)

    def cardctl(self, *argv):
        res = self.lab.run([sys.executable, os.path.join(EMU, 'cardctl.py'), '--root', self.root] + list(argv))
        assert res.returncode == 0, res.stdout + res.stderr
        return json.loads(res.stdout) if res.stdout.strip() else None

    def show(self):
        return self.cardctl('show', '--bdf', BDF)[BDF]

    def module(self, name, **kw):
        return run_module(name, self.root, **kw)

    def image(self, preset):
        path = os.path.join(self.root, preset + '.bin')
        with open(path, 'wb') as handle:
            handle.write(build_image.build(preset))
        return path


@pytest.fixture
def card(lab, shim, tmp_path):
    emu = Lab(lab, tmp_path / 'emu')
    emu.cardctl('create', '--bdf', BDF, '--preset', 'MCX354A-QCBT', '--pcie-speed', '8', '--pcie-width', '4',
                '--netdevs', 'ens1,ens1d1')
    emu.cardctl('boot')
    return emu


def test_device_info_sees_the_card(card):
    res = card.module('mlx_device_info')
    assert not res.get('failed'), res
    dev = res['devices'][0]
    assert (dev['pci_address'], dev['pci_device_id'], dev['family'], dev['psid'], dev['fw_version']) == (
        BDF, '1003', 'connectx3', 'MT_1090110018', '2.40.5030')
    assert dev['part_number'] == 'MCX354A-QCBT' and dev['netdevs'] == ['ens1', 'ens1d1']
    assert (dev['pcie']['width'], dev['pcie']['max_width'], dev['pcie']['ceiling_gbps']) == (4, 8, 31.5)
    assert 'fw_version_running' not in dev
    check_tool(res['tool'], '4.21.0', True)


def test_backup_writes_verified_files_once(card, tmp_path):
    dest = str(tmp_path / 'backup')
    first = card.module('mlx_firmware_backup', device='03:00.0', dest=dest)
    assert first['changed'] and sorted(first['files']) == ['config', 'image', 'rom', 'vpd'], first
    prefix = os.path.join(dest, 'MT_1090110018_2.40.5030_0002c90300a0b0c0')
    assert first['files']['image']['path'] == prefix + '.image'
    sums = dict(reversed(line.split('  ')) for line in open(os.path.join(dest, 'SHA256SUMS')).read().splitlines())
    for item, info in first['files'].items():
        assert stat.S_IMODE(os.stat(info['path']).st_mode) == 0o600, item
        with open(info['path'], 'rb') as handle:
            digest = hashlib.sha256(handle.read()).hexdigest()
        assert digest == info['sha256'] == sums[os.path.basename(info['path'])], item
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(os.path.join(dest, 'SHA256SUMS')).st_mode) == 0o600
    assert card.lab.run(['mstflint', '-i', prefix + '.image', 'v']).returncode == 0
    assert 'PN:' in open(prefix + '.vpd').read()
    again = card.module('mlx_firmware_backup', device='03:00.0', dest=dest)
    assert not again['changed'] and again['written'] == []
    # A corrupted backup is noticed (sha256 no longer matches) and written again.
    with open(prefix + '.image', 'r+b') as handle:
        handle.seek(0x100)
        handle.write(b'\xff\xff')
    fixed = card.module('mlx_firmware_backup', device='03:00.0', dest=dest)
    assert fixed['changed'] and fixed['written'] == ['image']


def test_backup_check_mode_writes_nothing(card, tmp_path):
    dest = str(tmp_path / 'backup')
    res = card.module('mlx_firmware_backup', check_mode=True, device='03:00.0', dest=dest)
    assert res['changed'] and not os.path.exists(dest)


def test_crossflash_needs_backup_and_allowlist_then_burns_once(card, tmp_path):
    dest = str(tmp_path / 'backup')
    fcbt = card.image('MCX354A-FCBT')
    common = dict(device='03:00.0', image=fcbt, backup_dir=dest)
    res = card.module('mlx_firmware_burn', allow_psid_change=True, **common)
    assert res['failed'] and res['reason'] == 'no_backup', res
    assert card.module('mlx_firmware_backup', device='03:00.0', dest=dest)['changed']
    res = card.module('mlx_firmware_burn', **common)
    assert res['reason'] == 'psid_change_not_allowed', res
    res = card.module('mlx_firmware_burn', allow_psid_change=True, allowed_psid_changes=[], **common)
    assert res['reason'] == 'psid_pair_not_allowlisted', res
    res = card.module('mlx_firmware_burn', allow_psid_change=True, image_sha256='0' * 64, **common)
    assert res['reason'] == 'checksum_mismatch', res
    assert card.show()['counters']['flash_program_ops'] == 0  # every refusal came before any write

    check = card.module('mlx_firmware_burn', check_mode=True, diff=True, allow_psid_change=True, **common)
    assert check['changed'] and not check['burned'] and check['diff']['after'] == 'psid: MT_1090120019\nfw_version: 2.42.5000\n'
    assert card.show()['counters']['flash_program_ops'] == 0

    burn = card.module('mlx_firmware_burn', allow_psid_change=True, **common)
    assert burn['changed'] and burn['burned'] and burn['reboot_required'], burn
    assert burn['previous'] == {'psid': 'MT_1090110018', 'fw_version': '2.40.5030'}
    assert burn['current'] == {'psid': 'MT_1090120019', 'fw_version': '2.42.5000'} and burn['running'] == '2.40.5030'
    state = card.show()
    assert (state['flash_psid'], state['flash_fw'], state['running_fw']) == ('MT_1090120019', '2.42.5000', '2.40.5030')
    writes = state['counters']['flash_program_ops']
    assert writes > 0

    # Pending reboot: no second burn.
    again = card.module('mlx_firmware_burn', allow_psid_change=True, **common)
    assert not again['changed'] and again['reboot_required'] and card.show()['counters']['flash_program_ops'] == writes
    card.cardctl('boot')
    after = card.module('mlx_firmware_burn', allow_psid_change=True, **common)
    assert not after['changed'] and not after['reboot_required'] and after['running'] == '2.42.5000'


def test_burn_refuses_cx3pro_image_and_broken_image(card, tmp_path):
    dest = str(tmp_path / 'backup')
    card.module('mlx_firmware_backup', device='03:00.0', dest=dest)
    pro = card.image('HP-544PFLR')
    res = card.module('mlx_firmware_burn', device='03:00.0', image=pro, backup_dir=dest, allow_psid_change=True)
    assert res['reason'] == 'device_mismatch', res
    bad = card.image('MCX354A-FCBT')
    with open(bad, 'r+b') as handle:
        handle.seek(0x200)
        handle.write(b'\x00\x01\x02\x03')
    res = card.module('mlx_firmware_burn', device='03:00.0', image=bad, backup_dir=dest, allow_psid_change=True)
    assert res['reason'] == 'image_invalid', res
    res = card.module('mlx_firmware_burn', device='03:00.0', image=str(tmp_path), backup_dir=dest)
    assert res['reason'] == 'image_invalid'
    res = card.module('mlx_firmware_burn', device='04:00.0', image=bad, backup_dir=dest)
    assert res['reason'] == 'no_device'
    assert card.show()['counters']['flash_program_ops'] == 0


def test_burn_failure_is_reported_with_the_tools_message(card, tmp_path):
    dest = str(tmp_path / 'backup')
    backup = card.module('mlx_firmware_backup', device='03:00.0', dest=dest)['files']['image']['path']
    card.cardctl('fault', '--bdf', BDF, 'set', 'flash_write_error_at=0x90000')
    res = card.module('mlx_firmware_burn', device='03:00.0', image=card.image('MCX354A-FCBT'), backup_dir=dest,
                      allow_psid_change=True)
    assert res['failed'] and res['reason'] == 'burn_failed', res
    assert res['tool_reason'] == 'flash_error' and 'Flash write' in res['msg']
    assert not res.get('reboot_required')  # the firmware role reboots only after a burn that succeeded
    state = card.show()
    assert state['running_fw'] == '2.40.5030'
    # The flash works again: the backup burns back and the card is where it started.
    card.cardctl('fault', '--bdf', BDF, 'clear')
    res = card.module('mlx_firmware_burn', device='03:00.0', image=backup, backup_dir=dest, force=True)
    assert res['burned'] and res['current'] == {'psid': 'MT_1090110018', 'fw_version': '2.40.5030'}, res


def test_config_sets_only_what_differs(card):
    wanted = {'LINK_TYPE_P1': 'ETH', 'LINK_TYPE_P2': 'eth', 'SRIOV_EN': False}
    check = card.module('mlx_config', check_mode=True, device='03:00.0', settings=wanted)
    assert check['changed'] and check['changed_settings'] == ['LINK_TYPE_P1', 'LINK_TYPE_P2']
    env = {'LD_PRELOAD': os.path.join(EMU, 'libfakemlx.so'), 'FAKEMLX_ROOT': card.root}
    assert card.lab.run(['mstconfig', '-d', BDF, 'q'], env=env).stdout.count('VPI(3)') == 2
    res = card.module('mlx_config', device='03:00.0', settings=wanted)
    assert res['changed'] and res['reboot_required']
    assert res['after'] == {'LINK_TYPE_P1': 'ETH(2)', 'LINK_TYPE_P2': 'ETH(2)', 'SRIOV_EN': 'False(0)'}
    again = card.module('mlx_config', device='03:00.0', settings=wanted)
    assert not again['changed'] and again['changed_settings'] == []
    assert card.module('mlx_config', device='03:00.0', settings={'FOO': 1})['reason'] == 'unknown_setting'
    assert card.module('mlx_config', device='03:00.0', settings={'NUM_OF_VFS': 500})['reason'] == 'invalid_value'
