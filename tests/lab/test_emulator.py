# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The emulated cards under the real, unmodified mstflint 4.21 / mstconfig / mstvpd / lspci / lsmod.

Each test gets its own FAKEMLX_ROOT with one MCX354A-QCBT card at 0000:03:00.0 in a Gen3 x4 slot and
runs the real tools with LD_PRELOAD=libfakemlx.so. No podman, no root-only kernel feature needed.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import importlib.machinery
import importlib.util
import json
import os
import re
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
EMU = os.path.join(HERE, 'emulator')
BDF = '0000:03:00.0'


def _load(name, path):
    spec = importlib.util.spec_from_loader(name, importlib.machinery.SourceFileLoader(name, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cardctl = _load('cardctl', os.path.join(EMU, 'cardctl.py'))
bim = _load('build_image', os.path.join(HERE, 'firmware', 'build_image.py'))


def field(text, label):
    for line in text.splitlines():
        if line.startswith(label + ':'):
            return line.split(':', 1)[1].strip()
    return None


@pytest.fixture(scope='session')
def shim(lab):
    lab.need('gcc', 'make', 'mstflint', 'mstconfig', 'mstvpd')
    res = lab.run(['make', '-s', '-C', EMU])
    assert res.returncode == 0, res.stdout + res.stderr
    assert 'warning' not in res.stderr, res.stderr  # the C code must build warning-free
    return os.path.join(EMU, 'libfakemlx.so')


class Card:
    """One lab: root dir, env for the tools, helpers."""

    def __init__(self, lab, shim, root):
        self.lab, self.root = lab, str(root)
        self.env = {'LD_PRELOAD': shim, 'FAKEMLX_ROOT': self.root}

    def run(self, *argv, **kw):
        return self.lab.run(list(argv), env=dict(self.env, **kw.pop('env', {})), **kw)

    def cardctl(self, *argv):
        res = self.lab.run([sys.executable, os.path.join(EMU, 'cardctl.py'), '--root', self.root] + list(argv))
        assert res.returncode == 0, res.stdout + res.stderr
        return json.loads(res.stdout) if res.stdout.strip() else None

    def show(self):
        return cardctl.show(self.root, BDF)[BDF]

    def image(self, preset, **kw):
        path = os.path.join(self.root, '%s.bin' % preset)
        with open(path, 'wb') as handle:
            handle.write(bim.build(preset, **kw))
        return path


@pytest.fixture
def card(lab, shim, tmp_path):
    lab_card = Card(lab, shim, tmp_path / 'fakemlx')
    lab_card.cardctl('create', '--bdf', BDF, '--preset', 'MCX354A-QCBT', '--pcie-speed', '8', '--pcie-width', '4',
                     '--netdevs', 'ens1,ens1d1', '--serial', 'MT1604K06557')
    return lab_card


# ------------------------------------------------------------------ flint

def test_query_shows_the_card(card):
    res = card.run('mstflint', '-d', BDF, 'q')
    assert res.returncode == 0, res.stdout
    assert field(res.stdout, 'PSID') == 'MT_1090110018'
    assert field(res.stdout, 'FW Version') == '2.40.5030'
    assert field(res.stdout, 'FW Version(Running)') is None
    short = card.run('mstflint', '-d', '03:00.0', 'query', 'full')
    assert field(short.stdout, 'Device ID') == '4099' and field(short.stdout, 'MIC Version') == '2.0.0'
    assert card.run('mstflint', '-d', BDF, 'verify').returncode == 0
    hw = card.run('mstflint', '-d', BDF, 'hw', 'query').stdout
    assert 'HwDevId                 501' in hw and 'JEDEC_ID                0x157120' in hw


def test_burn_needs_allow_psid_change(card):
    res = card.run('mstflint', '-d', BDF, '-i', card.image('MCX354A-FCBT'), '-y', 'burn')
    assert res.returncode == 1
    assert ('-E- PSID mismatch. The PSID on flash (MT_1090110018) differs from the PSID in the given image '
            '(MT_1090120019).') in res.stdout
    assert card.show()['flash_fw'] == '2.40.5030'


def test_crossflash_runs_old_firmware_until_boot(card):
    res = card.run('mstflint', '-d', BDF, '-i', card.image('MCX354A-FCBT'), '-allow_psid_change', '-y', 'burn')
    assert res.returncode == 0, res.stdout
    assert 'Restoring signature                     - OK' in res.stdout
    query = card.run('mstflint', '-d', BDF, 'q').stdout
    assert field(query, 'FW Version') == '2.42.5000'
    assert field(query, 'FW Version(Running)') == '2.40.5030'
    assert field(query, 'PSID') == 'MT_1090120019'
    assert field(query, 'GUIDs').split()[0] == '0002c90300a0b0c0'  # the card's GUIDs are kept
    assert card.cardctl('boot', '--etc', card.root)['running'][BDF] == '2.42.5000'
    query = card.run('mstflint', '-d', BDF, 'q').stdout
    assert field(query, 'FW Version') == '2.42.5000' and field(query, 'FW Version(Running)') is None
    counters = card.show()['counters']
    assert counters['flash_bytes_programmed'] > 100000 and counters['opens_mstflint'] >= 3


def test_cx3pro_image_refused_on_cx3(card):
    res = card.run('mstflint', '-d', BDF, '-i', card.image('MCX354A-FCCT'), '-allow_psid_change', '-y', 'b')
    assert res.returncode == 1
    assert 'Device/Image mismatch' in res.stdout and 'ConnectX-3Pro' in res.stdout
    assert card.show()['flash_fw'] == '2.40.5030'


def test_ri_reads_back_the_flash_image(card, tmp_path):
    out = tmp_path / 'ri.bin'
    assert card.run('mstflint', '-d', BDF, 'ri', str(out)).returncode == 0
    data = out.read_bytes()
    with open(os.path.join(card.root, 'cards', BDF, 'flash.bin'), 'rb') as handle:
        flash = handle.read()
    start = card.show()['flash_image_start']
    assert data == flash[start:start + len(data)]
    assert card.run('mstflint', '-i', str(out), 'verify').returncode == 0


def test_dc_and_rrom_on_the_device(card, tmp_path):
    dc = card.run('mstflint', '-d', BDF, 'dc')
    assert dc.returncode == 0 and 'PSID = MT_1090110018' in dc.stdout
    rom = tmp_path / 'rom.bin'
    assert card.run('mstflint', '-d', BDF, 'rrom', str(rom)).returncode == 0
    assert rom.read_bytes()[:2] == b'\x55\xaa'
    assert field(card.run('mstflint', '-d', BDF, 'q').stdout, 'Rom Info') == 'type=PXE version=3.4.746'


# ------------------------------------------------------------------ mstconfig, mstvpd

def test_mstconfig_set_query_reset(card):
    query = card.run('mstconfig', '-d', BDF, 'q')
    assert query.returncode == 0, query.stdout
    assert 'Device type:    ConnectX3' in query.stdout
    assert 'LINK_TYPE_P1                        VPI(3)' in query.stdout
    res = card.run('mstconfig', '-d', BDF, '-y', 'set', 'LINK_TYPE_P2=2')
    assert res.returncode == 0 and 'Applying... Done!' in res.stdout
    assert 'LINK_TYPE_P2                        ETH(2)' in card.run('mstconfig', '-d', BDF, 'q').stdout
    assert card.run('mstconfig', '-d', BDF, '-y', 'reset').returncode == 0
    assert 'LINK_TYPE_P2                        VPI(3)' in card.run('mstconfig', '-d', BDF, 'q').stdout
    # enumeration without -d names the sysfs config file, as on a real host
    assert 'Device:         /sys/bus/pci/devices/0000:03:00.0/config' in card.run('mstconfig', 'q').stdout


def test_single_port_card_has_no_port2_settings(lab, shim, tmp_path):
    single = Card(lab, shim, tmp_path / 'single')
    single.cardctl('create', '--bdf', BDF, '--preset', 'MCX353A-FCBT', '--netdevs', 'ens1')
    out = single.run('mstconfig', '-d', BDF, 'q').stdout
    assert 'LINK_TYPE_P1' in out and 'LINK_TYPE_P2' not in out


def test_mstvpd(card):
    res = card.run('mstvpd', BDF)
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines()[:5] == ['ID:      CX354A - ConnectX-3 QSFP', 'PN:      MCX354A-QCBT',
                                           'EC:      A5', 'SN:      MT1604K06557', 'V0:      PCIe Gen3 x8']


# ------------------------------------------------------------------ lspci, sysfs, kernel state

def test_lspci_link_and_vpd(card, lab):
    lab.need('lspci')
    out = card.run('lspci', '-s', '03:00.0', '-vv').stdout
    assert out.startswith('03:00.0 Network controller: Mellanox Technologies MT27500 Family [ConnectX-3]')
    assert 'LnkCap:\tPort #8, Speed 8GT/s, Width x8' in out
    assert 'LnkSta:\tSpeed 8GT/s, Width x4 (downgraded)' in out
    assert '[SN] Serial number: MT1604K06557' in out
    # every real card has the vendor-specific capability; mstflint 4.21 still uses the old gateway (test_query...)
    assert '\tCapabilities: [c0] Vendor Specific Information: Len=18 <?>' in out


def _caps(out):
    return re.findall(r'^\tCapabilities: \[([0-9a-f]+)(?: v\d+)?\] ', out, re.M)


def test_lspci_config_space_as_the_real_card(lab, shim, tmp_path):
    """The config space lspci -vvv shows on a real MCX354A-FCBT (fixture
    lspci_sysfs/cx3-mcx354a-fcbt-lspci-vvv-x-full-tabs-VPD-x8.txt), printed by the real lspci."""
    lab.need('lspci')
    card = Card(lab, shim, tmp_path / 'fcbt')
    made = card.cardctl('create', '--bdf', BDF, '--preset', 'MCX354A-FCBT', '--netdevs', 'ens1,ens1d1')
    out = card.run('lspci', '-vvv', '-s', BDF[5:]).stdout
    assert _caps(out) == ['40', '48', '9c', '60', 'c0', '100', '148', '154', '18c']  # the capture's order
    dsn = '-'.join(made['guids'][0][i:i + 2] for i in range(0, 16, 2))  # the Device Serial Number is the node GUID
    for line in ('\tLatency: 0, Cache Line Size: 32 bytes\n', '\tExpansion ROM at <ignored> [disabled]\n',
                 '\t\tVector table: BAR=0 offset=0007c000\n', '\t\tPBA: BAR=0 offset=0007d000\n',
                 '\t\tDevCap:\tMaxPayload 512 bytes, PhantFunc 0, Latency L0s <64ns, L1 unlimited\n',
                 '\t\tDevCtl2: Completion Timeout: 65ms to 210ms,',
                 '\tCapabilities: [c0] Vendor Specific Information: Len=18 <?>\n',
                 '\tCapabilities: [100 v1] Alternative Routing-ID Interpretation (ARI)\n',
                 '\t\tARICap:\tMFVC- ACS-, Next Function: 0\n',
                 '\tCapabilities: [148 v1] Device Serial Number %s\n' % dsn,
                 '\tCapabilities: [154 v2] Advanced Error Reporting\n',
                 '\t\tUEMsk:\tDLP- SDES- TLP- FCP- CmpltTO- CmpltAbrt+ UnxCmplt+ RxOF- MalfTLP- ECRC- UnsupReq- '
                 'ACSViol-',
                 '\t\tUESvrt:\tDLP+ SDES- TLP+ FCP+ CmpltTO+ CmpltAbrt- UnxCmplt- RxOF+ MalfTLP+ ECRC+ UnsupReq- '
                 'ACSViol-',
                 '\tCapabilities: [18c v1] '):
        assert line in out, line
    # Gen3 equalisation has run on an 8 GT/s link (pciutils 3.9 drops the capture's commas between the flags)
    assert 'EqualizationComplete+ EqualizationPhase1+\n\t\t\t EqualizationPhase2+ EqualizationPhase3+' in out
    assert 'Single Root I/O Virtualization' not in out  # SRIOV_EN is off until mstconfig sets it and the card boots
    slow = Card(lab, shim, tmp_path / 'gen2')
    slow.cardctl('create', '--bdf', BDF, '--preset', 'MCX354A-FCBT', '--pcie-speed', '5', '--netdevs', 'ens1')
    assert 'EqualizationComplete- EqualizationPhase1-' in slow.run('lspci', '-vvv', '-s', BDF[5:]).stdout
    plain = Card(lab, shim, tmp_path / 'novsc')
    plain.cardctl('create', '--bdf', BDF, '--preset', 'MCX354A-FCBT', '--netdevs', 'ens1', '--no-vsc')
    assert _caps(plain.run('lspci', '-vvv', '-s', BDF[5:]).stdout) == ['40', '48', '9c', '60', '100', '148', '154',
                                                                       '18c']


@pytest.mark.parametrize('link_types,name,code', [
    (None, 'Network controller', '0x028000'),        # VPI: fixture lspci_sysfs/cx3-mcx353a-fcbt-...-no-sriov.txt
    ('1,1', 'Infiniband controller', '0x020700'),    # IB: the MCX354A-FCBT capture, class bytes "07 02"
    ('2,2', 'Ethernet controller', '0x020000'),      # ETH: HP 544+ in ETH mode (lspci_sysfs/cx3pro-lspci-sriov-vfs.txt)
    ('1,2', 'Network controller', '0x028000'),
])
def test_class_follows_the_port_type_at_boot(card, lab, tmp_path, link_types, name, code):
    lab.need('lspci')
    if link_types:
        p1, p2 = link_types.split(',')
        res = card.run('mstconfig', '-d', BDF, '-y', 'set', 'LINK_TYPE_P1=' + p1, 'LINK_TYPE_P2=' + p2)
        assert res.returncode == 0, res.stdout
        # the firmware reads its NV configuration when it boots: until then the class stays
        assert card.run('lspci', '-s', BDF[5:]).stdout.startswith('03:00.0 Network controller: ')
    card.cardctl('boot', '--etc', _etc(tmp_path))
    assert card.run('lspci', '-s', BDF[5:]).stdout.startswith('03:00.0 %s: Mellanox Technologies MT27500' % name)
    assert card.run('cat', '/sys/bus/pci/devices/%s/class' % BDF).stdout == code + '\n'
    assert card.show()['class'] == int(code, 16)


def test_en_card_is_an_ethernet_controller(lab, shim, tmp_path):
    lab.need('lspci')
    card = Card(lab, shim, tmp_path / 'en')
    card.cardctl('create', '--bdf', BDF, '--preset', 'MCX314A-BCCT', '--netdevs', 'ens1,ens1d1')
    assert card.run('lspci', '-s', BDF[5:]).stdout.startswith('03:00.0 Ethernet controller: Mellanox Technologies '
                                                              'MT27520 Family [ConnectX-3 Pro]')


def test_sriov_capability_after_sriov_en_and_boot(card, lab, tmp_path):
    lab.need('lspci')
    res = card.run('mstconfig', '-d', BDF, '-y', 'set', 'SRIOV_EN=1', 'NUM_OF_VFS=63')
    assert res.returncode == 0, res.stdout
    card.cardctl('boot', '--etc', _etc(tmp_path))
    out = card.run('lspci', '-vvv', '-s', BDF[5:]).stdout
    assert _caps(out)[-2:] == ['18c', '108']  # after #19, as in the capture
    assert '\t\tInitial VFs: 63, Total VFs: 63, Number of VFs: 0, Function Dependency Link: 00\n' in out
    assert '\t\tVF offset: 1, stride: 1, Device ID: 1004\n' in out
    assert card.run('cat', '/sys/bus/pci/devices/%s/sriov_totalvfs' % BDF).stdout == '63\n'


def test_mstvpd_by_rdma_device_name(card, tmp_path):
    """mstvpd mlx4_0: mtcr_ul reads the link /sys/class/infiniband/mlx4_0/device (there while mlx4_ib is loaded)."""
    before = card.run('mstvpd', 'mlx4_0')
    assert before.returncode == 3  # as without the RDMA device (fixture local/mstvpd-nonexistent-rdma-dev.txt)
    assert 'Unable to read link /sys/class/infiniband/mlx4_0/device' in before.stderr
    card.cardctl('boot', '--etc', _etc(tmp_path / 'ib'))
    res = card.run('mstvpd', 'mlx4_0')
    assert res.returncode == 0, res.stderr
    assert res.stdout == card.run('mstvpd', BDF).stdout and 'PN:      MCX354A-QCBT' in res.stdout
    assert card.run('readlink', '/sys/class/infiniband/mlx4_0').stdout == (
        '../../devices/pci0000:00/0000:00:03.0/0000:03:00.0/infiniband/mlx4_0\n')
    assert card.run('mstvpd', 'mlx4_1').returncode == 3
    modprobe = os.path.join(EMU, 'modprobe')
    assert card.run(modprobe, '-r', 'mlx4_ib', env={'FAKEMLX_ETC': card.root}).returncode == 0
    assert card.run('mstvpd', 'mlx4_0').returncode == 3  # unloading mlx4_ib unregisters the device
    card.cardctl('boot', '--etc', _etc(tmp_path / 'noib', **{'modprobe.d__no-ib.conf': 'blacklist mlx4_ib\n'}))
    assert card.run('mstvpd', 'mlx4_0').returncode == 3


def test_sysfs_view(card):
    script = ("import os; d='/sys/bus/pci/devices/0000:03:00.0/'; "
              "print([open(d+f).read().strip() for f in ('vendor','device','current_link_speed','current_link_width',"
              "'max_link_speed','max_link_width')]); print(sorted(os.listdir(d+'net'))); "
              "print(os.path.realpath('/sys/class/net/ens1/device'))")
    out = card.run(sys.executable, '-c', script).stdout.splitlines()
    assert out[0] == "['0x15b3', '0x1003', '8.0 GT/s PCIe', '4', '8.0 GT/s PCIe', '8']"
    assert out[1] == "['ens1', 'ens1d1']"
    assert out[2] == '/sys/devices/pci0000:00/0000:00:03.0/0000:03:00.0'


def _etc(tmp_path, **files):
    etc = tmp_path / 'etc'
    (etc / 'modprobe.d').mkdir(parents=True)
    for name, text in files.items():
        path = etc / name.replace('__', '/')
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return str(etc)


def test_boot_loads_mlx4_and_lsmod_sees_it(card, lab, tmp_path):
    lab.need('lsmod')
    etc = _etc(tmp_path, **{'modprobe.d__mlx4.conf': 'options mlx4_core port_type_array=2,2\n'})
    mods = card.cardctl('boot', '--etc', etc)['modules']
    assert {'mlx4_core', 'mlx4_en', 'mlx4_ib'} <= set(mods)
    out = card.run('lsmod').stdout
    assert out.splitlines()[0].split() == ['Module', 'Size', 'Used', 'by']
    assert 'mlx4_en' in out and 'mlx4_core' in out
    params = card.run('cat', '/sys/module/mlx4_core/parameters/port_type_array').stdout
    assert params.strip() == '2,2'
    assert card.run('readlink', '/sys/bus/pci/devices/0000:03:00.0/driver').stdout.strip().endswith('/mlx4_core')


@pytest.mark.parametrize('conf,kernel,ib_loaded', [
    ('blacklist mlx4_ib\n', 'aux', False),
    ('blacklist mlx4_ib\n', 'request', True),   # request_module() by name ignores a blacklist
    ('install mlx4_ib /bin/false\n', 'request', False),
])
def test_boot_keeps_mlx4_ib_out(card, tmp_path, conf, kernel, ib_loaded):
    etc = _etc(tmp_path, **{'modprobe.d__no-ib.conf': conf})
    mods = card.cardctl('boot', '--etc', etc, '--kernel-mlx4', kernel)['modules']
    assert 'mlx4_en' in mods and ('mlx4_ib' in mods) == ib_loaded


def test_modprobe_script(card, tmp_path):
    etc = _etc(tmp_path, **{'modprobe.d__x.conf': 'install mlx4_ib /bin/false\nblacklist mlx4_en\n'})
    env = {'FAKEMLX_ETC': etc}
    modprobe = os.path.join(EMU, 'modprobe')
    bad = card.run(modprobe, 'nosuchmod', env=env)
    assert bad.returncode == 1 and bad.stderr.startswith('modprobe: FATAL: Module nosuchmod not found in directory')
    res = card.run(modprobe, 'mlx4_ib', env=env)
    assert res.returncode == 1
    assert "Error running install command '/bin/false' for module mlx4_ib: retcode 1" in res.stderr
    assert card.run(modprobe, 'pci:v000015B3d00001003sv000015B3sd00000050bc02sc80i00', env=env).returncode == 0
    assert card.run(modprobe, 'mlx4_en', env=env).returncode == 0  # by name: the blacklist does not apply
    assert card.run('grep', '-c', 'mlx4', '/proc/modules').stdout.strip() == '2'
    busy = card.run(modprobe, '-r', 'mlx4_core', env=env)
    assert busy.returncode == 1 and 'modprobe: FATAL: Module mlx4_core is in use.' in busy.stderr
    assert card.run(modprobe, '-r', 'mlx4_en', env=env).returncode == 0
    # ib_core stays: kmod inserts dependencies before it runs mlx4_ib's install command
    assert [line.split()[0] for line in card.run('cat', '/proc/modules').stdout.splitlines()] == ['ib_core']


def test_ethtool_driver_info_for_card_netdevs(card, lab):
    lab.need('ethtool', 'ip')
    if os.geteuid() != 0:
        pytest.skip('needs root to create a TAP device')
    name = 'fmtest%d' % (os.getpid() % 10000)
    assert lab.run(['ip', 'tuntap', 'add', 'dev', name, 'mode', 'tap']).returncode == 0
    try:
        lab_card = Card(lab, card.env['LD_PRELOAD'], os.path.join(card.root, 'other'))
        lab_card.cardctl('create', '--bdf', BDF, '--preset', 'MCX354A-QCBT', '--netdevs', name)
        lab_card.cardctl('boot', '--etc', lab_card.root)
        out = lab_card.run('ethtool', '-i', name).stdout
        assert field(out, 'driver') == 'mlx4_en' and field(out, 'version') == '4.0-0'
        assert field(out, 'firmware-version') == '2.40.5030' and field(out, 'bus-info') == BDF
        assert field(lab.run(['ethtool', '-i', 'lo'], env=lab_card.env).stdout or 'driver: x', 'driver') != 'mlx4_en'
    finally:
        lab.run(['ip', 'link', 'del', name])


# ------------------------------------------------------------------ faults

def test_fault_flash_write_error(card):
    card.cardctl('fault', '--bdf', BDF, 'set', 'flash_write_error_at=0x90000')
    res = card.run('mstflint', '-d', BDF, '-i', card.image('MCX354A-FCBT'), '-allow_psid_change', '-y', 'b')
    assert res.returncode == 1
    assert '-E- Burning FS2 image failed: Flash write failed' in res.stdout
    card.cardctl('boot', '--etc', card.root)
    assert field(card.run('mstflint', '-d', BDF, 'q').stdout, 'FW Version') == '2.40.5030'


def test_fault_killed_mid_burn_boots_old_image(card):
    card.cardctl('fault', '--bdf', BDF, 'set', 'kill_after_bytes=65536')
    res = card.run('mstflint', '-d', BDF, '-i', card.image('MCX354A-FCBT'), '-allow_psid_change', '-y', 'b')
    assert res.returncode == -9
    card.cardctl('fault', '--bdf', BDF, 'clear')
    assert card.cardctl('boot', '--etc', card.root)['running'][BDF] == '2.40.5030'  # failsafe
    query = card.run('mstflint', '-d', BDF, 'q')
    assert query.returncode == 0 and field(query.stdout, 'FW Version') == '2.40.5030'
    assert card.run('mstflint', '-d', BDF, 'v').returncode == 0


def test_fault_stuck_semaphore(card):
    card.cardctl('fault', '--bdf', BDF, 'set', 'semaphore_stuck=1')
    res = card.run('mstflint', '-d', BDF, 'q')  # the tool retries for its own timeout (about 20 s)
    assert res.returncode == 1
    assert '-E- Cannot open Device: %s. Can not obtain Flash semaphore.' % BDF in res.stdout
    assert 'flint -clear_semaphore -d <device>' in res.stdout
    assert card.run('mstflint', '-d', BDF, '-clear_semaphore').returncode == 0
    assert card.run('mstflint', '-d', BDF, 'q').returncode == 0


def test_fault_card_absent(card, lab):
    card.cardctl('fault', '--bdf', BDF, 'set', 'absent=1')
    res = card.run('mstflint', '-d', BDF, 'q')
    assert res.returncode == 1 and res.stdout.startswith('-E- Cannot open Device: %s.' % BDF)
    assert card.run('mstconfig', 'q').stdout.strip() == '-E- Failed to get devices.'
    if lab.run(['which', 'lspci']).returncode == 0:
        assert card.run('lspci').stdout == ''
    card.cardctl('fault', '--bdf', BDF, 'clear')
    assert card.run('mstflint', '-d', BDF, 'q').returncode == 0


def test_fault_flash_gateway_timeout(card):
    card.cardctl('fault', '--bdf', BDF, 'set', 'gw_timeout=1')
    res = card.run('mstflint', '-d', BDF, 'q')
    assert res.returncode == 1 and 'MFE_TIMEOUT' in res.stdout


def test_fault_flash_decay_passes_the_burn_fails_the_verify(card):
    # mstflint 4.21 reads back every 16-byte write while it burns (a byte wrong then is MFE_VERIFY_ERROR, see
    # flash_write_error_at); this byte is right until the burning process has exited.
    card.cardctl('fault', '--bdf', BDF, 'set', 'flash_decay_at=0x90000')
    image = card.image('MCX354A-FCBT')
    res = card.run('mstflint', '-d', BDF, '-i', image, '-allow_psid_change', '-y', 'burn')
    assert res.returncode == 0 and 'Restoring signature                     - OK' in res.stdout, res.stdout
    with open(image, 'rb') as handle, open(os.path.join(card.root, 'cards', BDF, 'flash.bin'), 'rb') as flash:
        wanted, written = handle.read()[0x10000], flash.read()[0x90000]
    assert written != wanted and written == wanted | (~wanted & (wanted + 1)) & 0xff  # its lowest 0 bit reads 1 again
    query = card.run('mstflint', '-d', BDF, 'q')
    assert query.returncode == 0 and field(query.stdout, 'FW Version') == '2.42.5000'  # the image info is intact
    verify = card.run('mstflint', '-d', BDF, 'v')
    assert verify.returncode == 1
    with open(image, 'rb') as handle:  # the DDR section that holds image byte 0x10000 (flash 0x90000)
        (start, data), = [(off, d) for kind, off, d in bim.sections_of(handle.read())
                          if kind == bim.H_DDR and off <= 0x10000 < off + 20 + len(d)]
    wrong = '/0x%08x-0x%08x (0x%06x)/ (DDR) /0x%08x/ - wrong CRC' % (start, start + len(data) + 19, len(data) + 20, start)
    assert wrong in verify.stdout
    assert '-E- FW image verification failed: Bad CRC.. AN HCA DEVICE CAN NOT BOOT FROM THIS IMAGE.' in verify.stdout


def test_fault_flash_read_flip_corrupts_reads_not_the_flash(card, tmp_path):
    with open(os.path.join(card.root, 'cards', BDF, 'flash.bin'), 'rb') as handle:
        flash = handle.read()
    card.cardctl('fault', '--bdf', BDF, 'set', 'flash_read_flip_at=0x10000')
    out = tmp_path / 'ri.bin'
    assert card.run('mstflint', '-d', BDF, 'q').returncode == 0  # the query does not read that byte
    assert card.run('mstflint', '-d', BDF, 'ri', str(out)).returncode == 0  # ri does not verify what it read
    data = out.read_bytes()
    assert [i for i in range(len(data)) if data[i] != flash[i]] == [0x10000] and data[0x10000] == flash[0x10000] ^ 1
    verify = card.run('mstflint', '-i', str(out), 'v')
    assert verify.returncode == 1 and '-E- FW image verification failed: Bad CRC.' in verify.stdout
    with open(os.path.join(card.root, 'cards', BDF, 'flash.bin'), 'rb') as handle:
        assert handle.read() == flash  # the cells are intact
    card.cardctl('fault', '--bdf', BDF, 'clear')
    assert card.run('mstflint', '-d', BDF, 'ri', str(out)).returncode == 0
    assert out.read_bytes() == flash[:len(data)]


def test_fault_nv_write_lost(card):
    card.cardctl('fault', '--bdf', BDF, 'set', 'nv_write_lost=1')
    res = card.run('mstconfig', '-d', BDF, '-y', 'set', 'LINK_TYPE_P1=2')
    assert res.returncode == 0 and 'Applying... Done!' in res.stdout  # mstconfig does not read back
    assert 'LINK_TYPE_P1                        VPI(3)' in card.run('mstconfig', '-d', BDF, 'q').stdout
    state = card.show()
    assert state['nv'] == {} and state['counters']['nv_writes'] == 1


# ------------------------------------------------------------------ newer tools, safety

def test_tool_version_wrapper(card):
    wrapper = os.path.join(EMU, 'mstflint-4.26-wrapper')
    assert card.run(wrapper, 'mstconfig', '-v').stdout == 'mstconfig, mstflint 4.26.0, Git SHA Hash: N/A\n'
    res = card.run(wrapper, 'mstconfig', '-d', BDF, 'q')
    assert res.returncode == 3 and res.stdout == '-E- Unsupported device\n'
    assert field(card.run(wrapper, 'mstflint', '-d', BDF, 'q').stdout, 'PSID') == 'MT_1090110018'


def test_vendor_specific_capability_keeps_mstflint_4_21_working(lab, shim, tmp_path):
    """cardctl create --vsc: the capability lspci shows on a real card (what mstflint 4.30/4.31 crash on, fixtures
    local/trixie-*-vsc.txt); Debian 12's 4.21 falls back to the gateway and does everything as before."""
    card = Card(lab, shim, tmp_path / 'vsc')
    card.cardctl('create', '--bdf', BDF, '--preset', 'MCX314A-BCCT', '--netdevs', 'ens1,ens1d1', '--vsc')
    with open(os.path.join(card.root, 'sys', 'bus', 'pci', 'devices', BDF, 'config'), 'rb') as handle:
        cfg = handle.read()
    assert cfg[0x61] == 0xc0 and cfg[0xc0:0xc4] == bytes([0x09, 0x00, 0x18, 0x00])
    assert 'Vendor Specific Information: Len=18' in card.run('lspci', '-vvv', '-s', BDF[5:]).stdout
    card.cardctl('boot')
    assert field(card.run('mstflint', '-d', BDF, 'q').stdout, 'PSID') == 'MT_1090111023'
    burn = card.run('mstflint', '-d', BDF, '-i', card.image('MCX354A-FCCT'), '-allow_psid_change', '-y', 'burn')
    assert burn.returncode == 0, burn.stdout + burn.stderr
    res = card.run('mstconfig', '-d', BDF, '-y', 'set', 'SRIOV_EN=1')
    assert res.returncode == 0, res.stdout
    assert card.run('mstvpd', BDF).returncode == 0


def test_shim_is_inert_without_root(lab, shim, tmp_path):
    env = {'LD_PRELOAD': shim, 'FAKEMLX_ROOT': str(tmp_path / 'missing')}
    res = lab.run(['ls', '/sys/bus/pci/devices'], env=env)
    plain = lab.run(['ls', '/sys/bus/pci/devices'])
    assert (res.returncode, res.stdout, res.stderr) == (plain.returncode, plain.stdout, plain.stderr)
    res = lab.run(['mstflint', '-d', BDF, 'q'], env=env)
    assert res.returncode == 1 and res.stderr == ''
