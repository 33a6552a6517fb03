# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The synthetic FS2 images pass the real `mstflint -i IMG query full` / `verify`; broken ones fail."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import importlib.util
import os
import sys

import pytest

FIRMWARE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'firmware')
_SPEC = importlib.util.spec_from_file_location('build_image', os.path.join(FIRMWARE_DIR, 'build_image.py'))
bim = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(bim)

EXPECTED = {
    'MCX354A-QCBT': ('MT_1090110018', '2.40.5030', 4099),
    'MCX354A-FCBT': ('MT_1090120019', '2.42.5000', 4099),
    'MCX353A-FCBT': ('MT_1100120019', '2.42.5000', 4099),
    'MCX314A-BCCT': ('MT_1090111023', '2.40.5032', 4103),
    'MCX354A-FCCT': ('MT_1090111019', '2.42.5000', 4103),
    'HP-544PFLR': ('HP_1380110017', '2.42.5700', 4103),
}


def field(text, label):
    for line in text.splitlines():
        if line.startswith(label + ':'):
            return line.split(':', 1)[1].strip()
    return None


@pytest.fixture(autouse=True)
def run(lab):
    lab.need('mstflint')
    return lab.run


@pytest.mark.parametrize('preset', sorted(EXPECTED))
def test_preset_queries_and_verifies(tmp_path, preset, run):
    psid, fw, dev_id = EXPECTED[preset]
    img = tmp_path / 'fw.bin'
    img.write_bytes(bim.build(preset))
    query = run(['mstflint', '-i', str(img), 'query', 'full'])
    assert query.returncode == 0, query.stdout + query.stderr
    assert field(query.stdout, 'Image type') == 'FS2'
    assert field(query.stdout, 'PSID') == psid
    assert field(query.stdout, 'FW Version') == fw
    assert field(query.stdout, 'Device ID') == str(dev_id)
    assert field(query.stdout, 'MIC Version') == '2.0.0'
    rom_info = query.stdout.split('Rom Info:', 1)[1].split('Device ID:', 1)[0]
    assert 'type=PXE version=3.4.' in rom_info  # HP-544PFLR: after a CLP and a UEFI ROM
    verify = run(['mstflint', '-i', str(img), 'verify'])
    assert verify.returncode == 0, verify.stdout
    assert '(Full Image) - OK' in verify.stdout
    assert '-I- FW image verification succeeded. Image is bootable.' in verify.stdout


def test_guids_macs_date_and_rom_version(tmp_path, run):
    img = tmp_path / 'fw.bin'
    img.write_bytes(bim.build('MCX354A-FCBT', base_guid='0002c90300a1b2c0', base_mac='0002c9a1b2c1',
                              date='21.3.2019', rom='3.4.752'))
    out = run(['mstflint', '-i', str(img), 'q']).stdout
    guids = ['0002c90300a1b2c0', '0002c90300a1b2c1', '0002c90300a1b2c2', '0002c90300a1b2c3']
    assert field(out, 'GUIDs').split() == guids
    assert field(out, 'MACs').split() == ['0002c9a1b2c1', '0002c9a1b2c2']
    assert field(out, 'FW Release Date') == '21.3.2019'
    assert field(out, 'Rom Info') == 'type=PXE version=3.4.752'


def test_custom_psid_version_and_device(tmp_path, run):
    img = tmp_path / 'fw.bin'
    img.write_bytes(bim.build(psid='MT_1234567890', fw='2.42.5004', device_id=4103, rom=''))
    out = run(['mstflint', '-i', str(img), 'q']).stdout
    assert field(out, 'PSID') == 'MT_1234567890'
    assert field(out, 'FW Version') == '2.42.5004'
    assert field(out, 'Device ID') == '4103'
    assert field(out, 'Rom Info') is None  # no ROM section -> no line (flint prints it only for FS2 with a ROM)
    assert run(['mstflint', '-i', str(img), 'v']).returncode == 0


def test_dc_prints_fw_conf_and_tells_port_count(tmp_path, run):
    single, dual = tmp_path / 'single.bin', tmp_path / 'dual.bin'
    single.write_bytes(bim.build('MCX353A-FCBT'))
    dual.write_bytes(bim.build('MCX354A-FCBT'))
    out_single = run(['mstflint', '-i', str(single), 'dc'])
    out_dual = run(['mstflint', '-i', str(dual), 'dc'])
    assert out_single.returncode == 0 and out_dual.returncode == 0
    assert 'PSID = MT_1100120019' in out_single.stdout
    assert 'num_ports = 1' in out_single.stdout and 'num_ports = 2' in out_dual.stdout


def test_rrom_extracts_the_expansion_rom(tmp_path, run):
    img, rom = tmp_path / 'fw.bin', tmp_path / 'rom.bin'
    img.write_bytes(bim.build('MCX354A-FCBT'))
    res = run(['mstflint', '-i', str(img), 'rrom', str(rom)])
    assert res.returncode == 0, res.stdout
    assert rom.read_bytes() == bim.build_rom('3.4.752', 4099)


@pytest.mark.parametrize('offset', [0x40, 0x100, -0x100])
def test_corrupted_image_fails_verify(tmp_path, offset, run):
    image = bytearray(bim.build('MCX354A-QCBT'))
    image[offset] ^= 0x5a
    img = tmp_path / 'bad.bin'
    img.write_bytes(bytes(image))
    res = run(['mstflint', '-i', str(img), 'verify'])
    assert res.returncode == 1
    assert 'FW image verification failed' in res.stdout or 'wrong CRC' in res.stdout


def test_cli_writes_image(tmp_path, run):
    out = tmp_path / 'cli.bin'
    res = run([sys.executable, os.path.join(FIRMWARE_DIR, 'build_image.py'), '--preset', 'MCX314A-BCCT',
               '--fw', '2.42.5000', '-o', str(out)])
    assert res.returncode == 0, res.stderr
    assert field(run(['mstflint', '-i', str(out), 'q']).stdout, 'FW Version') == '2.42.5000'


def test_image_facts_roundtrip():
    facts = bim.image_facts(bim.build('HP-544PFLR'))
    assert facts['psid'] == 'HP_1380110017' and facts['fw'] == '2.42.5700' and facts['device_id'] == 4103
    assert len(facts['guids']) == 6
