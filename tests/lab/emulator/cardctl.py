# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Create, boot, inspect and break emulated ConnectX-3 cards for libfakemlx.so (Python 3 stdlib only).

  cardctl.py --root DIR create --bdf 0000:03:00.0 --preset MCX354A-QCBT --pcie-speed 8 --pcie-width 4 \\
                               --netdevs ens1,ens1d1 [--base-guid G] [--base-mac M] [--serial SN] [--image FILE] \\
                               [--no-vsc]
  cardctl.py --root DIR boot [--etc /etc] [--kernel-mlx4 aux|request]
  cardctl.py --root DIR show [--bdf BDF]
  cardctl.py --root DIR fault --bdf BDF set NAME=VALUE ... | clear
  cardctl.py --root DIR remove --bdf BDF
  cardctl.py --root DIR module --bdf BDF --port ens1 [--type dac|aoc|sr4|qsa] [--vendor V] [--part-number PN] \
                               [--length-m M] [--serial SN] [--revision R] [--vendor-oui OUI] [--date-code YYMMDD] \
                               [--memory flat|paged] [--spec JSON] | --none

Layout under DIR (what libfakemlx.so serves, see README.md): sys/ (fake sysfs), proc_modules,
redirects, cards/<bdf>/{flash.bin,hw.bin,card.conf,card.json,faults,nv/,module/port<N>.{eeprom,json}},
run/lock/ (only if made before `create`: then served as /run/lock).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import argparse
import importlib.machinery
import importlib.util
import json
import os
import shutil
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FLASH_SIZE = 0x200000
CHUNK = 0x80000
HW_FMT = '<II4I4II5I16Q'
HW_MAGIC = 0x584c4d46
COUNTERS = ['tool_opens', 'opens_mstflint', 'opens_mstconfig', 'opens_mstvpd', 'opens_lspci', 'opens_other',
            'flash_bytes_programmed', 'flash_program_ops', 'flash_erase_ops', 'flash_bytes_read', 'hcr_commands',
            'nv_writes', 'cr_accesses']
FAULTS_IN_FILE = ('flash_write_error_at', 'kill_after_bytes', 'kill_at_offset', 'gw_timeout', 'flash_decay_at',
                  'flash_read_flip_at', 'nv_write_lost')
FAULTS = FAULTS_IN_FILE + ('semaphore_stuck', 'absent')
SPEED_TEXT = {2.5: '2.5 GT/s PCIe', 5: '5.0 GT/s PCIe', 8: '8.0 GT/s PCIe', 16: '16.0 GT/s PCIe'}
SPEED_CODE = {2.5: 1, 5: 2, 8: 3, 16: 4}
MLX4_MODULES = ('mlx4_core', 'mlx4_en', 'mlx4_ib')

# VPD / PCI identity per preset (VPD facts of MCX354A-FCBT from fixtures/vpd; others by analogy).
PCI_SUBSYS = {'MCX354A-QCBT': (0x15b3, 0x0050), 'MCX354A-FCBT': (0x15b3, 0x0050), 'MCX353A-FCBT': (0x15b3, 0x0051),
              'MCX314A-BCCT': (0x15b3, 0x0009), 'MCX354A-FCCT': (0x15b3, 0x0006), 'HP-544PFLR': (0x103c, 0x22f5),
              'HP_1380110017': (0x103c, 0x22f5)}
VPD_RW_SIZES = (105,) + (253,) * 14 + (252,)  # free bytes of the VPD's RW entries (vpd_blob)
VPD_FIXED_PART = 84  # the ID string and read-only part of that MCX354A-FCBT (24 + 3 and 54 + 3 bytes)


def _load(name, *candidates):
    """Import a sibling stdlib-only module by path (works from a copy of tests/lab too)."""
    for path in candidates:
        if os.path.exists(path):
            spec = importlib.util.spec_from_loader(name, importlib.machinery.SourceFileLoader(name, path))
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module
    raise ImportError('%s not found in %s' % (name, ', '.join(candidates)))


def build_image_module():
    return _load('build_image', os.path.join(HERE, '..', 'firmware', 'build_image.py'),
                 os.path.join(HERE, 'build_image.py'))


def modprobe_module():
    return _load('fakemlx_modprobe', os.path.join(HERE, 'modprobe'))


# ------------------------------------------------------------------ small file helpers

def write(path, data, mode='w'):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + '.tmp'
    with open(tmp, mode) as handle:
        handle.write(data)
    os.replace(tmp, path)


def symlink(target, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.lexists(path):
        os.unlink(path)
    os.symlink(target, path)


def card_dir(root, bdf):
    return os.path.join(root, 'cards', bdf)


def bridge_of(bdf):
    """The fake upstream port of a card: one root port per bus number, like a plain PC slot."""
    return 'pci0000:00/0000:00:%02x.0' % int(bdf.split(':')[1], 16)


def sysfs_dir(root, bdf):
    return os.path.join(root, 'sys', 'devices', bridge_of(bdf), bdf)


def read_hw(root, bdf):
    with open(os.path.join(card_dir(root, bdf), 'hw.bin'), 'rb') as handle:
        data = handle.read(struct.calcsize(HW_FMT))
    return list(struct.unpack(HW_FMT, data))


def write_hw(root, bdf, fields):
    path = os.path.join(card_dir(root, bdf), 'hw.bin')
    with open(path, 'r+b') as handle:  # in place: the shim has it mmapped
        handle.write(struct.pack(HW_FMT, *fields))


def load_card(root, bdf):
    with open(os.path.join(card_dir(root, bdf), 'card.json'), encoding='utf-8') as handle:
        return json.load(handle)


def list_cards(root):
    base = os.path.join(root, 'cards')
    if not os.path.isdir(base):
        return []
    return sorted(b for b in os.listdir(base) if os.path.exists(os.path.join(base, b, 'card.json')))


# ------------------------------------------------------------------ PCI config space and VPD

# NV TLVs mstconfig 4.21 writes on a ConnectX-3 (cards/<bdf>/nv/<type>.<port>, big-endian dword): 0x12 per port
# holds LINK_TYPE_P<n> in its low 2 bits (1 IB, 2 ETH, 3 VPI); 0x11 holds SRIOV_EN (bit 31) and NUM_OF_VFS.
NV_PORT_TYPE, NV_SRIOV = 0x12, 0x11
LINK_IB, LINK_ETH, LINK_VPI = 1, 2, 3
# Class codes as lspci names them (pci.ids): 0x0200 Ethernet controller, 0x0207 Infiniband controller (the class of
# the MCX354A-FCBT capture: hex dump bytes 0a-0b "07 02"), 0x0280 Network controller.
CLASS_ETH, CLASS_IB, CLASS_NET = 0x020000, 0x020700, 0x028000
# Extended capabilities at the offsets of the real MCX354A-FCBT `lspci -vvv -x` (docs/lab/emulator.md section 2):
# 100 ARI -> 148 DSN -> 154 AER -> 18c #19 (Secondary PCIe) -> 108 SR-IOV (only with SRIOV_EN).
EXT_ARI, EXT_DSN, EXT_AER, EXT_SPCIE, EXT_SRIOV = 0x100, 0x148, 0x154, 0x18c, 0x108
CX3_VF_DEVICE = 0x1004  # "VF offset: 1, stride: 1, Device ID: 1004" (the capture's SR-IOV capability)


def read_nv(root, bdf):
    """The card's NV store as {(tlv type, port/module): dword}; what the firmware reads when it boots."""
    out = {}
    nv_dir = os.path.join(card_dir(root, bdf), 'nv')
    for name in sorted(os.listdir(nv_dir)) if os.path.isdir(nv_dir) else []:
        kind, _sep, mod = name.partition('.')
        try:
            with open(os.path.join(nv_dir, name), 'rb') as handle:
                data = handle.read(4)
            out[(int(kind, 16), int(mod or '0'))] = struct.unpack('>I', data.ljust(4, b'\0'))[0]
        except (OSError, ValueError):
            continue
    return out


def port_types(card, nv=None):
    """LINK_TYPE of each port as the firmware applies it at boot: NV value, else the default (VPI; ETH on EN cards)."""
    default = LINK_ETH if card.get('en_only', card.get('class') == CLASS_ETH) else LINK_VPI
    return [((nv or {}).get((NV_PORT_TYPE, port)) or default) & 3 or default for port in range(1, card['ports'] + 1)]


def pci_class(card, nv=None):
    """Ethernet controller when every port is ETH (and on EN-only cards), Infiniband controller when every port is
    IB, Network controller otherwise (VPI, or one port of each: the class of the VPI captures)."""
    types = set(port_types(card, nv))
    if types == {LINK_ETH}:
        return CLASS_ETH
    if types == {LINK_IB}:
        return CLASS_IB
    return CLASS_NET


def sriov_vfs(nv=None):
    """Total VFs the firmware exposes (SRIOV_EN=1 and NUM_OF_VFS), or None without SR-IOV."""
    value = (nv or {}).get((NV_SRIOV, 0))
    if value is None or not value >> 31:
        return None
    return value & 0xffff


def config_space(card, nv=None):
    """4 KiB config space as the real MCX354A-FCBT shows it in `lspci -vvv -x` (docs/lab/emulator.md section 2):
    header (class per port type, Cache Line Size 32 bytes, expansion ROM BAR sized but unassigned: `Expansion ROM at
    <ignored> [disabled]`), PM (0x40) -> VPD (0x48) -> MSI-X (0x9c, table 0x7c000, PBA 0x7d000) -> PCIe v2 (0x60) ->
    vendor-specific (0xc0, Len=0x18), then ARI (0x100) -> DSN (0x148, the node GUID) -> AER v2 (0x154) -> #19 (0x18c)
    -> SR-IOV (0x108, only after a boot with NV SRIOV_EN=1). LnkCap/LnkSta carry the card's and the slot's link; on an 8 GT/s
    link LnkSta2 has the Gen3 equalisation phases complete.

    The vendor-specific capability (type byte 0, FUNCTIONAL_VSC to mstflint >= 4.30) is there when card['vsc'] (create
    makes it so unless --no-vsc): none of its address spaces answer (config writes are dropped, reads
    give 0), so mstflint <= 4.29 falls back to the 0x58/0x5c gateway; 4.30 and 4.31 leave their read functions
    unset and crash (SIGSEGV), as on a real ConnectX-3 Pro (Mellanox/mstflint#1157, fix: Mellanox/mstflint#1831).
    ``nv``: the NV store (read_nv) the firmware applied at the last boot: LINK_TYPE -> class, SRIOV_EN -> SR-IOV."""
    cfg = bytearray(4096)
    sub_vendor, sub_device = card['subsystem']
    struct.pack_into('<HHHH', cfg, 0, 0x15b3, card['pci_device'], 0x0406, 0x0010)
    cfg[8] = 0  # revision
    cfg[9:12] = struct.pack('<I', pci_class(card, nv))[:3]
    cfg[0x0c] = 0x08                                               # Cache Line Size: 32 bytes (capture: 08)
    cfg[0x0e] = 0  # header type 0
    struct.pack_into('<II', cfg, 0x10, 0xfbd00004, 0)            # BAR0 64-bit MMIO (1M)
    struct.pack_into('<II', cfg, 0x18, 0xf800000c, 0)            # BAR2 64-bit prefetchable UAR (8M)
    struct.pack_into('<HH', cfg, 0x2c, sub_vendor, sub_device)
    struct.pack_into('<I', cfg, 0x30, 0xfff00000)                  # ROM BAR as in the capture: 00 00 f0 ff
    cfg[0x34] = 0x40
    cfg[0x3c], cfg[0x3d] = 0x0b, 1                                 # IRQ, pin A
    cfg[0x40:0x48] = bytes([0x01, 0x48, 0x03, 0x00, 0x08, 0x00, 0x00, 0x00])   # PM v3
    cfg[0x48:0x50] = bytes([0x03, 0x9c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00])   # VPD
    pcie = 0x60
    cfg[pcie], cfg[pcie + 1] = 0x10, 0x00  # 40 48 9c 60 [c0], as lspci lists them
    if card.get('vsc'):  # cards made before --no-vsc existed have no key: made without the capability
        cfg[pcie + 1] = 0xc0
        cfg[0xc0:0xc4] = bytes([0x09, 0x00, 0x18, 0x00])           # vendor-specific, last, Len=0x18, type 0
    struct.pack_into('<H', cfg, pcie + 2, 0x0002)                  # v2, endpoint
    # DevCap: MaxPayload 512, PhantFunc 0, L0s <64ns, L1 unlimited, RBE+, FLReset+, SlotPowerLimit 116 W
    struct.pack_into('<I', cfg, pcie + 4, 0x2 | 0x7 << 9 | 1 << 15 | 116 << 18 | 1 << 28)
    # DevCtl: Non-Fatal+ Fatal+ Unsupported+, MaxPayload 256, MaxReadReq 4096; DevSta: CorrErr+ UnsuppReq+
    struct.pack_into('<HH', cfg, pcie + 8, 0x502e, 0x0009)
    max_speed, max_width = SPEED_CODE[card['card_speed']], card['card_width']
    cur_speed = SPEED_CODE[min(card['card_speed'], card['pcie_speed'])]
    cur_width = min(card['card_width'], card['pcie_width'])
    lnkcap = max_speed | max_width << 4 | 0x1 << 10 | 0x7 << 12 | 0x7 << 15 | 1 << 22 | 8 << 24
    struct.pack_into('<I', cfg, pcie + 0x0c, lnkcap)
    struct.pack_into('<HH', cfg, pcie + 0x10, 0x0040, cur_speed | cur_width << 4 | 1 << 12)
    struct.pack_into('<I', cfg, pcie + 0x24, 0x0000001f)           # DevCap2: Range ABCD, TimeoutDis+
    struct.pack_into('<H', cfg, pcie + 0x28, 0x0006)               # DevCtl2: Completion Timeout 65ms to 210ms
    struct.pack_into('<I', cfg, pcie + 0x2c, sum(1 << s for s in range(1, max_speed + 1)))  # LnkCap2
    # LnkCtl2 target speed, -6dB; LnkSta2: EqualizationComplete+ Phase1+ Phase2+ Phase3+ once trained at 8 GT/s
    struct.pack_into('<HH', cfg, pcie + 0x30, max_speed, 0x001e if cur_speed >= 3 else 0x0000)
    cfg[0x9c:0xa8] = bytes([0x11, 0x60, 0x7f, 0x80]) + struct.pack('<II', 0x0007c000, 0x0007d000)  # MSI-X, BIR 0
    vfs = sriov_vfs(nv)

    def ext(offset, cap_id, version, nxt):
        struct.pack_into('<I', cfg, offset, cap_id | version << 16 | nxt << 20)

    ext(EXT_ARI, 0x000e, 1, EXT_DSN)                               # ARICap/ARICtl 0: MFVC- ACS-, Next Function 0
    ext(EXT_DSN, 0x0003, 1, EXT_AER)
    struct.pack_into('<Q', cfg, EXT_DSN + 4, int(card['guids'][0], 16))  # Device Serial Number = the node GUID
    ext(EXT_AER, 0x0001, 2, EXT_SPCIE)
    # UEMsk CmpltAbrt+ UnxCmplt+; UESvrt DLP+ TLP+ FCP+ CmpltTO+ RxOF+ MalfTLP+ ECRC+; CESta NonFatalErr+;
    # CEMsk RxErr+ BadTLP+ BadDLLP+ Rollover+ Timeout+ NonFatalErr+; AERCap GenCap+ CGenEn+ ChkCap+ ChkEn+
    struct.pack_into('<IIIIII', cfg, EXT_AER + 4, 0, 0x00018000, 0x000e7010, 0x00002000, 0x000031c1, 0x000001e0)
    ext(EXT_SPCIE, 0x0019, 1, EXT_SRIOV if vfs is not None else 0)
    if vfs is not None:
        ext(EXT_SRIOV, 0x0010, 1, 0)
        struct.pack_into('<IHHHHHHHHHHII', cfg, EXT_SRIOV + 4,
                         0,                  # IOVCap: Migration-, Interrupt Message Number 000
                         0x0010, 0,          # IOVCtl: ARIHierarchy+; IOVSta
                         vfs, vfs, 0, 0,     # Initial VFs, Total VFs, Number of VFs, Function Dependency Link
                         1, 1, 0, CX3_VF_DEVICE,  # VF offset, stride, (reserved), VF Device ID
                         0x000007ff, 0x00000001)  # Supported / System Page Size
        struct.pack_into('<II', cfg, EXT_SRIOV + 0x24 + 8, 0x0000000c, 0)  # VF BAR2: 64-bit prefetchable
    return bytes(cfg)


def vpd_blob(card):
    """PCI VPD as the card carries it: ID string, VPD-R (PN EC SN V0 + RV checksum), VPD-W (V1 YA RW), end."""
    def field(key, value):
        value = value.encode('ascii')
        return key.encode('ascii') + bytes([len(value)]) + value

    ident = card['vpd_id'].encode('ascii')
    out = bytearray(b'\x82' + struct.pack('<H', len(ident)) + ident)
    ro = b''.join(field(k, card[k.lower()]) for k in ('PN', 'EC', 'SN', 'V0'))
    ro_len = len(ro) + 4  # + RV keyword, length and checksum byte
    out += b'\x90' + struct.pack('<H', ro_len) + ro + b'RV\x01'
    out.append((-sum(out)) & 0xff)
    rw = field('V1', 'N/A') + field('YA', 'N/A')
    # The read-write area of a real ConnectX-3 (`lspci -vvv`, fixture vpd/cx3-mcx354a-fcbt-lspci-vpd-block.txt):
    # 16 RW entries, the first 105 bytes, then 14 x 253, then 252. The VPD then ends where that card's does
    # (VPD_END); a card with a longer ID string or read-only part (HP's) has a shorter first entry, so that its VPD
    # ends at the same place - the RW layout of the HP and ConnectX-3 Pro cards is not in any capture we hold, and
    # mstvpd 4.21 refuses ("Failed to parse VPD") a VPD that runs 38 bytes further.
    sizes = list(VPD_RW_SIZES)
    sizes[0] = max(0, sizes[0] - max(0, len(out) - VPD_FIXED_PART))
    rw += b''.join(b'RW' + bytes([size]) + bytes(size) for size in sizes)
    out += b'\x91' + struct.pack('<H', len(rw)) + rw + b'\x78'
    return bytes(out) + bytes(4096 - len(out))


# ------------------------------------------------------------------ create

def default_serial(bdf):
    return 'MT1604K%05d' % (int(bdf.replace(':', '').replace('.', ''), 16) % 100000)


def create(root, bdf, preset, pcie_speed=8.0, pcie_width=8, card_speed=8.0, card_width=8, netdevs=(),
           base_guid=None, base_mac=None, serial=None, image=None, psid=None, fw=None, vsc=True):
    """Create (or replace) one card. Returns its card.json dict. ``vsc``: see config_space (False: without the
    vendor-specific capability). The NV store starts empty: the class and SR-IOV follow it from the next boot."""
    bim = build_image_module()
    opts = bim.resolve(preset, psid=psid, fw=fw, base_guid=base_guid, base_mac=base_mac)
    if image is None:
        # vsd='': a card's flash has an empty VSD ("VSD:" in every real device query in the fixtures), image
        # files "n/a"; burning keeps the card's VSD.
        image = bim.build(preset, psid=psid, fw=fw, base_guid=base_guid, base_mac=base_mac, vsd='')
    facts = bim.image_facts(image)
    device_id = facts['device_id']
    pcie_speed, card_speed = float(pcie_speed), float(card_speed)
    for speed in (pcie_speed, card_speed):
        if speed not in SPEED_CODE:
            raise ValueError('PCIe speed must be one of %s GT/s' % sorted(SPEED_CODE))
    en_only = 'EN' in opts.get('description', '') and 'VPI' not in opts.get('description', '')
    card = {
        'bdf': bdf, 'preset': preset, 'psid': facts['psid'], 'fw': facts['fw'], 'device_id': device_id,
        'pci_device': bim.PCI_ID[device_id], 'hw_id': bim.HW_ID[device_id], 'ports': opts['ports'],
        'guids': facts['guids'], 'en_only': en_only, 'class': CLASS_ETH if en_only else CLASS_NET,
        'subsystem': list(PCI_SUBSYS.get(preset, (0x15b3, 0x0050))),
        'vpd_id': opts.get('vpd_id', 'ConnectX-3'), 'pn': opts.get('pn', preset or 'MCX000A'),
        'ec': opts.get('ec', 'A1'), 'sn': serial or default_serial(bdf),
        'v0': 'PCIe Gen3 x%d' % card_width,
        'pcie_speed': pcie_speed, 'pcie_width': int(pcie_width), 'card_speed': card_speed,
        'card_width': int(card_width), 'netdevs': [n for n in netdevs if n][:opts['ports']],
    }
    card['vsc'] = bool(vsc)
    cdir = card_dir(root, bdf)
    if os.path.isdir(cdir):
        remove(root, bdf)
    os.makedirs(os.path.join(cdir, 'nv'))
    flash = bytearray(b'\xff' * FLASH_SIZE)
    flash[:len(image)] = image
    write(os.path.join(cdir, 'flash.bin'), bytes(flash), 'wb')
    major, minor, sub = bim.parse_version(facts['fw'])
    hw = [HW_MAGIC, 1, major << 16, minor << 16 | sub, 0, 0, 0, 0, 0, 0, 0] + [0] * 5 + [0] * 16
    write(os.path.join(cdir, 'hw.bin'), struct.pack(HW_FMT, *hw) + bytes(4096 - struct.calcsize(HW_FMT)), 'wb')
    write(os.path.join(cdir, 'card.conf'), 'hw_id=0x%x\nports=%d\n' % (card['hw_id'], card['ports']))
    write(os.path.join(cdir, 'card.json'), json.dumps(card, indent=1, sort_keys=True) + '\n')
    _write_sysfs(root, card)
    refresh(root)
    return card


def _write_sysfs(root, card):
    bdf = card['bdf']
    sdir = sysfs_dir(root, bdf)
    if os.path.isdir(sdir):
        shutil.rmtree(sdir)
    os.makedirs(os.path.join(sdir, 'net'))
    sub_vendor, sub_device = card['subsystem']
    files = {
        'vendor': '0x15b3', 'device': '0x%04x' % card['pci_device'],
        'subsystem_vendor': '0x%04x' % sub_vendor, 'subsystem_device': '0x%04x' % sub_device,
        'revision': '0x00', 'irq': '11', 'numa_node': '-1', 'enable': '1', 'local_cpulist': '0-1',
        'current_link_speed': SPEED_TEXT[min(card['card_speed'], card['pcie_speed'])],
        'current_link_width': str(min(card['card_width'], card['pcie_width'])),
        'max_link_speed': SPEED_TEXT[card['card_speed']], 'max_link_width': str(card['card_width']),
        'resource': '0x00000000fbd00000 0x00000000fbdfffff 0x0000000000140204\n'
                    '0x0000000000000000 0x0000000000000000 0x0000000000000000\n'
                    '0x00000000f8000000 0x00000000f87fffff 0x000000000014220c\n' +
                    '0x0000000000000000 0x0000000000000000 0x0000000000000000\n' * 4,
    }
    for name, text in files.items():
        write(os.path.join(sdir, name), text if text.endswith('\n') else text + '\n')
    _write_pci_function(root, card, read_nv(root, bdf))
    write(os.path.join(sdir, 'vpd'), vpd_blob(card), 'wb')
    for port, ifname in enumerate(card['netdevs']):
        write(os.path.join(sdir, 'net', ifname, 'dev_port'), '%d\n' % port)
        write(os.path.join(sdir, 'net', ifname, 'address'), _mac_text(card['guids'][4 + port]))
    symlink('../../../devices/%s/%s' % (bridge_of(bdf), bdf), os.path.join(root, 'sys', 'bus', 'pci', 'devices', bdf))


def _write_pci_function(root, card, nv):
    """What the firmware decides at boot from its NV store: the class code (and the class, modalias, uevent files
    the kernel derives from it), the config space, and the sriov_* files the kernel adds for an SR-IOV capability."""
    bdf = card['bdf']
    sdir = sysfs_dir(root, bdf)
    card['class'] = pci_class(card, nv)
    sub_vendor, sub_device = card['subsystem']
    modalias = 'pci:v000015B3d%08Xsv%08Xsd%08Xbc%02Xsc%02Xi00' % (
        card['pci_device'], sub_vendor, sub_device, card['class'] >> 16, (card['class'] >> 8) & 0xff)
    write(os.path.join(sdir, 'class'), '0x%06x\n' % card['class'])
    write(os.path.join(sdir, 'modalias'), modalias + '\n')
    write(os.path.join(sdir, 'uevent'), 'PCI_CLASS=%X\nPCI_ID=15B3:%04X\nPCI_SUBSYS_ID=%04X:%04X\nPCI_SLOT_NAME=%s\n'
          'MODALIAS=%s\n' % (card['class'], card['pci_device'], sub_vendor, sub_device, bdf, modalias))
    write(os.path.join(sdir, 'config'), config_space(card, nv), 'wb')
    vfs = sriov_vfs(nv)
    for name, text in (('sriov_totalvfs', vfs), ('sriov_numvfs', 0)):
        path = os.path.join(sdir, name)
        if vfs is not None:
            write(path, '%d\n' % text)
        elif os.path.exists(path):
            os.unlink(path)


def apply_nv(root, bdf):
    """At boot: the card's firmware applies its NV store (LINK_TYPE -> class code, SRIOV_EN -> SR-IOV capability)."""
    card = load_card(root, bdf)
    before = card.get('class')
    _write_pci_function(root, card, read_nv(root, bdf))
    if card['class'] != before:
        write(os.path.join(card_dir(root, bdf), 'card.json'), json.dumps(card, indent=1, sort_keys=True) + '\n')
    return card['class']


def _mac_text(value):
    raw = '%012x' % (int(value, 16) & 0xffffffffffff)
    return ':'.join(raw[i:i + 2] for i in range(0, 12, 2)) + '\n'


def refresh(root):
    """Rewrite what depends on all cards: netdev links, the redirect list, proc_modules if missing."""
    prefixes = ['/sys/bus/pci']
    net = os.path.join(root, 'sys', 'class', 'net')
    virt = os.path.join(root, 'sys', 'devices', 'virtual', 'net')
    for base in (net, virt):
        if os.path.isdir(base):
            shutil.rmtree(base)
    for bdf in list_cards(root):
        card = load_card(root, bdf)
        prefixes.append('/sys/devices/%s/%s' % (bridge_of(bdf), bdf))
        for ifname in card['netdevs']:
            # /sys/class/net/<if> is the real (TAP) netdev; only its `device` link is the card.
            symlink('../../../devices/%s/%s' % (bridge_of(bdf), bdf), os.path.join(net, ifname, 'device'))
            symlink('../../../%s/%s' % (bridge_of(bdf), bdf), os.path.join(virt, ifname, 'device'))
            prefixes += ['/sys/class/net/%s/device' % ifname, '/sys/devices/virtual/net/%s/device' % ifname]
    prefixes += ['/sys/module/%s' % m for m in sorted(modprobe_module().KNOWN) if m.startswith(('mlx4_', 'ib_'))]
    prefixes.append('/sys/class/infiniband')  # the RDMA devices mlx4_ib registers (modprobe: State._ib_devices)
    if os.path.isdir(os.path.join(root, 'run', 'lock')):
        # A root with run/lock/ is a machine of its own for lock files too (the container-free tests: several
        # roots on one machine, each with its own /run/lock/homelab-connectx-<bdf>.lock); lab hosts have their own /run.
        prefixes.append('/run/lock')
    write(os.path.join(root, 'redirects'), '\n'.join(prefixes) + '\n')
    os.makedirs(os.path.join(root, 'sys', 'bus', 'pci', 'drivers'), exist_ok=True)
    os.makedirs(os.path.join(root, 'sys', 'module'), exist_ok=True)
    if not os.path.exists(os.path.join(root, 'proc_modules')):
        write(os.path.join(root, 'proc_modules'), '')


def remove(root, bdf):
    shutil.rmtree(card_dir(root, bdf), ignore_errors=True)
    shutil.rmtree(sysfs_dir(root, bdf), ignore_errors=True)
    link = os.path.join(root, 'sys', 'bus', 'pci', 'devices', bdf)
    if os.path.lexists(link):
        os.unlink(link)
    refresh(root)


# ------------------------------------------------------------------ boot, show, faults

def active_image(flash, boot_addr=0):
    """What the card's boot loader runs: the valid FS2 image at the boot address, else the first valid one."""
    bim = build_image_module()
    found = []
    for start in (0, CHUNK):
        if flash[start:start + 16] != bim.MAGIC:
            continue
        try:
            facts = bim.image_facts(bytes(flash[start:start + CHUNK]))
        except (ValueError, struct.error):
            continue
        if 'fw' in facts:
            facts['start'] = start
            found.append(facts)
    for facts in found:
        if facts['start'] == boot_addr:
            return facts
    return found[0] if found else None


def present_cards(root):
    return [b for b in list_cards(root) if os.path.lexists(os.path.join(root, 'sys', 'bus', 'pci', 'devices', b))]


def boot(root, etc='/etc', kernel_mlx4='aux'):
    """Power cycle: every card runs its flash's active image, semaphores reset, modules reloaded."""
    bim = build_image_module()
    result = {}
    for bdf in list_cards(root):
        with open(os.path.join(card_dir(root, bdf), 'flash.bin'), 'rb') as handle:
            flash = handle.read()
        hw = read_hw(root, bdf)
        facts = active_image(flash, hw[10] >> 8)
        if facts:
            major, minor, sub = bim.parse_version(facts['fw'])
            hw[2:6] = [major << 16, minor << 16 | sub, 0, 0]
        else:
            hw[2:6] = [0, 0, 0, 0]  # no bootable image: the card would come up in livefish mode
        hw[6:10] = [0, 0, 0, 0]
        write_hw(root, bdf, hw)
        apply_nv(root, bdf)
        result[bdf] = facts['fw'] if facts else None
    loaded = modprobe_module().boot_modules(root, etc, present_cards(root), kernel_mlx4)
    return {'running': result, 'modules': loaded}


def show(root, bdf=None):
    out = {}
    for card_bdf in list_cards(root):
        if bdf and card_bdf != bdf:
            continue
        card = load_card(root, card_bdf)
        hw = read_hw(root, card_bdf)
        with open(os.path.join(card_dir(root, card_bdf), 'flash.bin'), 'rb') as handle:
            flash = handle.read()
        facts = active_image(flash, hw[10] >> 8)
        nv_dir = os.path.join(card_dir(root, card_bdf), 'nv')
        card.update({
            'running_fw': '%d.%d.%d' % (hw[2] >> 16, hw[3] >> 16, hw[3] & 0xffff),
            'flash_fw': facts['fw'] if facts else None, 'flash_psid': facts['psid'] if facts else None,
            'flash_image_start': facts['start'] if facts else None,
            'semaphores': {'flash_gw': hw[6], 'flash_prog': hw[7], 'tools_hcr': hw[8]},
            'boot_addr': hw[10], 'counters': dict(zip(COUNTERS, hw[16:16 + len(COUNTERS)])),
            'faults': read_faults(root, card_bdf),
            'present': card_bdf in present_cards(root),
            'nv': {name: open(os.path.join(nv_dir, name), 'rb').read().hex() for name in sorted(os.listdir(nv_dir))},
            'modules': read_modules(root, card_bdf),
        })
        out[card_bdf] = card
    return out


def read_faults(root, bdf):
    faults = {}
    path = os.path.join(card_dir(root, bdf), 'faults')
    if os.path.exists(path):
        with open(path, encoding='ascii') as handle:
            for line in handle:
                if '=' in line:
                    key, value = line.strip().split('=', 1)
                    faults[key] = value
    hw = read_hw(root, bdf)
    if hw[6] or hw[7]:
        faults['semaphore_stuck'] = '1'
    if bdf not in present_cards(root):
        faults['absent'] = '1'
    return faults


def set_fault(root, bdf, name, value):
    """Faults in `faults` are read by each new process; the semaphore lives in hw.bin; absent hides the card."""
    if name not in FAULTS:
        raise ValueError('unknown fault %s (known: %s)' % (name, ', '.join(FAULTS)))
    if name in FAULTS_IN_FILE:
        faults = {k: v for k, v in read_faults(root, bdf).items() if k in FAULTS_IN_FILE}
        faults[name] = str(value)
        write(os.path.join(card_dir(root, bdf), 'faults'), ''.join('%s=%s\n' % kv for kv in sorted(faults.items())))
    elif name == 'semaphore_stuck':
        hw = read_hw(root, bdf)
        hw[6] = hw[7] = 1 if str(value) not in ('0', '') else 0
        write_hw(root, bdf, hw)
    elif name == 'absent':
        link = os.path.join(root, 'sys', 'bus', 'pci', 'devices', bdf)
        if str(value) not in ('0', ''):
            if os.path.lexists(link):
                os.unlink(link)
        else:
            symlink('../../../devices/%s/%s' % (bridge_of(bdf), bdf), link)


def clear_faults(root, bdf):
    path = os.path.join(card_dir(root, bdf), 'faults')
    if os.path.exists(path):
        os.unlink(path)
    set_fault(root, bdf, 'semaphore_stuck', 0)
    set_fault(root, bdf, 'absent', 0)


# ------------------------------------------------------------------ cable modules (QSFP+ SFF-8636, SFP+ SFF-8472)
#
# One file per port: cards/<bdf>/module/port<N>.eeprom is the module's memory as the kernel's ethtool API lays
# it out (SFF-8636: lower page 00h, upper page 00h, then upper pages 01h-03h of a paged module; SFF-8472: A0h
# then A2h); port<N>.json is the description it was built from. No file = empty cage. libfakemlx.so plays the
# mlx4 driver on top of it (docs/lab/emulator.md, "Cable modules"). Byte offsets: SFF-8636 rev 2.10a / SFF-8472
# rev 12, as decoded by ethtool's qsfp.c / sfpid.c / sfpdiag.c.

MELLANOX_OUI = '00:02:c9'
MODULE_TYPES = ('dac', 'aoc', 'sr4', 'qsa')
MODULE_KEYS = ('type', 'vendor', 'vendor_oui', 'part_number', 'revision', 'serial', 'date_code', 'length_m', 'memory',
               'sfp')

# What `{type: X}` alone plugs (overridable key by key).
MODULE_PRESETS = {
    'dac': {'vendor': 'Mellanox', 'part_number': 'MC2207130-001'},
    'aoc': {'vendor': 'Mellanox', 'part_number': 'MC2206310-003'},
    'sr4': {'vendor': 'Mellanox', 'part_number': 'MC2210411-SR4'},
    'qsa': {'vendor': 'Mellanox', 'part_number': 'MAM1Q00A-QSA',
            'sfp': {'vendor': 'Mellanox', 'part_number': 'MFM1T02A-SR'}},
}
# Per type: SFF-8636 codes and the defaults a part number does not override.
QSFP_TYPE_FACTS = {
    # compliance byte 131: 40GBASE-CR4 (bit 3) / SR4 (bit 2) / 40G active cable XLPPI (bit 0)
    'dac': {'ethernet': 0x08, 'connector': 0x23, 'tech': 0xa0, 'br': 103, 'memory': 'flat', 'rev_compliance': 0x02,
            'date_code': '150427', 'length_m': 1},
    'aoc': {'ethernet': 0x01, 'connector': 0x23, 'tech': 0x00, 'br': 103, 'memory': 'flat', 'rev_compliance': 0x02,
            'date_code': '150610', 'length_m': 3},
    'sr4': {'ethernet': 0x04, 'connector': 0x0c, 'tech': 0x00, 'br': 103, 'memory': 'paged', 'rev_compliance': 0x03,
            'date_code': '151102', 'length_m': 0},
}
# Part numbers the lab knows (public Mellanox product briefs): rate class and InfiniBand codes (byte 164).
KNOWN_PARTS = {
    'MC2207130': {'br': 141, 'ib': 0x0f},   # passive copper, VPI, up to 56Gb/s (FDR 14.0625 Gb/s per lane)
    'MC2206130': {'br': 103, 'ib': 0x07},   # passive copper, VPI, up to 40Gb/s (QDR)
    'MC2206310': {'br': 103, 'ib': 0x07},   # active fiber cable, VPI, up to 40Gb/s
    'MC2210411': {'br': 103, 'ib': 0x00},   # 40GbE QSFP SR4 optical module, MPO, 850nm
}


def _ascii(text, size):
    raw = (text or '').encode('ascii', 'replace')[:size]
    return raw + b' ' * (size - len(raw))


def _oui(text):
    parts = [int(p, 16) for p in str(text).replace('-', ':').split(':')]
    if len(parts) != 3 or any(p > 255 for p in parts):
        raise ValueError('vendor OUI must look like 00:02:c9, got %r' % text)
    return bytes(parts)


def _length_from_part(part_number):
    """Cable length from a Mellanox-style suffix: -001 = 1 m, -00A = 0.5 m, -0A1 = 1.5 m; None if not one."""
    suffix = (part_number or '').rsplit('-', 1)[-1].upper()
    if len(suffix) == 3 and suffix.isdigit():
        return int(suffix)
    if suffix == '00A':
        return 0.5
    if len(suffix) == 3 and suffix[:2] == '0A' and suffix[2].isdigit():
        return int(suffix[2]) + 0.5
    return None


def _u16(value):
    return struct.pack('>H', int(round(value)) & 0xffff)


def _s16(value):
    return struct.pack('>h', int(round(value)))


def resolve_module(spec, bdf='0000:00:00.0', port=1):
    """Full description of a module from a (partial) spec: {type, vendor, part_number, length_m, ...}."""
    spec = dict(spec or {})
    unknown = sorted(set(spec) - set(MODULE_KEYS))
    if unknown:
        raise ValueError('unknown module key(s) %s (known: %s)' % (', '.join(unknown), ', '.join(MODULE_KEYS)))
    kind = spec.get('type') or 'dac'
    if kind not in MODULE_TYPES:
        raise ValueError('module type must be one of %s, got %r' % (', '.join(MODULE_TYPES), kind))
    desc = dict(MODULE_PRESETS[kind])
    desc.update({k: v for k, v in spec.items() if v is not None})
    desc['type'] = kind
    serial_seed = (int(bdf.replace(':', '').replace('.', ''), 16) * 2 + int(port)) % 100000
    if kind == 'qsa':
        inner = dict(MODULE_PRESETS['qsa']['sfp'])
        inner.update(desc.get('sfp') or {})
        inner.setdefault('vendor_oui', MELLANOX_OUI if inner.get('vendor') == 'Mellanox' else '00:00:00')
        inner.setdefault('revision', 'A1')
        inner.setdefault('date_code', '160121')
        inner.setdefault('serial', ('MT%sFT%05d' if inner.get('vendor') == 'Mellanox' else 'G%s%05d') % (
            inner['date_code'][:4], serial_seed))
        desc['sfp'] = inner
        desc.setdefault('revision', 'A1')
        desc.setdefault('vendor_oui', MELLANOX_OUI if desc.get('vendor') == 'Mellanox' else '00:00:00')
        return desc
    facts = QSFP_TYPE_FACTS[kind]
    desc.setdefault('vendor_oui', MELLANOX_OUI if desc.get('vendor') == 'Mellanox' else '00:00:00')
    desc.setdefault('revision', 'A1' if desc.get('vendor') == 'Mellanox' else 'A')
    desc.setdefault('date_code', facts['date_code'])
    desc.setdefault('memory', facts['memory'])
    if desc['memory'] not in ('flat', 'paged'):
        raise ValueError("module memory must be 'flat' or 'paged', got %r" % desc['memory'])
    if desc.get('length_m') is None:
        desc['length_m'] = _length_from_part(desc.get('part_number')) if kind != 'sr4' else 0
        if desc['length_m'] is None:
            desc['length_m'] = facts['length_m']
    desc.setdefault('serial', ('MT%sVS%05d' if desc.get('vendor') == 'Mellanox' else 'G%s%05d') % (
        desc['date_code'][:4], serial_seed))
    desc.pop('sfp', None)
    return desc


def _sff8636_image(desc):
    """SFF-8636 memory: 256 bytes (flat) or 640 (paged: + upper pages 01h, 02h, 03h)."""
    kind = desc['type']
    facts = dict(QSFP_TYPE_FACTS[kind])
    facts.update(KNOWN_PARTS.get((desc.get('part_number') or '').split('-')[0], {}))
    length = float(desc.get('length_m') or 0)
    cable_m = 0 if kind == 'sr4' else min(255, max(1, int(-(-length // 1))))  # < 1 m reads as 1 m (SFF-8636)
    paged = desc['memory'] == 'paged'
    active = kind in ('aoc', 'sr4')
    lower, upper = bytearray(128), bytearray(128)
    lower[0] = 0x0d                                   # identifier: QSFP+ (SFF-8024)
    lower[1] = facts['rev_compliance']                # revision compliance
    lower[2] = 0x00 if paged else 0x04                # status: bit 2 flat memory (upper page 00h only)
    if active:                                        # free-side monitors (bytes 22-57)
        lower[22:24] = _s16((33.2 if kind == 'sr4' else 38.5) * 256)     # temperature, 1/256 degC
        lower[26:28] = _u16((3.31 if kind == 'sr4' else 3.29) * 10000)   # Vcc, 100 uV
        for lane in range(4):
            lower[34 + 2 * lane:36 + 2 * lane] = _u16((0.68 if kind == 'sr4' else 0.72) * 10000 - 150 * lane)  # rx, 0.1 uW
            lower[42 + 2 * lane:44 + 2 * lane] = _u16((6.5 if kind == 'sr4' else 6.8) * 500 + 20 * lane)      # bias, 2 uA
            lower[50 + 2 * lane:52 + 2 * lane] = _u16((0.85 if kind == 'sr4' else 0.79) * 10000 - 100 * lane)  # tx, 0.1 uW
    upper[0] = 0x0d                                   # 128 identifier
    upper[1] = 0x00                                   # 129 extended identifier: power class 1 (1.5 W), no CDR
    upper[2] = facts['connector']                     # 130 connector: 0x23 no separable connector / 0x0c MPO
    upper[3] = facts['ethernet']                      # 131 10/40G Ethernet compliance
    upper[11] = 0x05                                  # 139 encoding: 64B/66B (SFF-8636 code)
    upper[12] = facts['br']                           # 140 nominal bit rate, 100 Mb/s units
    if kind == 'sr4':
        upper[15] = 50                                # 143 OM3 length, 2 m units: 100 m (40GBASE-SR4)
    upper[18] = cable_m                               # 146 copper or active cable length, m
    upper[19] = facts['tech']                         # 147 device technology: 0xa0 copper unequalized / 850 nm VCSEL
    upper[20:36] = _ascii(desc.get('vendor'), 16)     # 148-163 vendor name
    upper[36] = facts.get('ib', 0)                    # 164 extended module codes (InfiniBand rates)
    upper[37:40] = _oui(desc['vendor_oui'])           # 165-167 vendor OUI
    upper[40:56] = _ascii(desc.get('part_number'), 16)  # 168-183 part number
    upper[56:58] = _ascii(desc.get('revision'), 2)    # 184-185 revision
    if kind == 'dac':                                 # 186-189 copper attenuation at 2.5/5/7/12.9 GHz, dB
        upper[58:62] = bytes(min(255, int(round(a * cable_m + b))) for a, b in ((1.2, 1), (1.8, 1), (2.2, 1), (3.2, 2)))
    else:                                             # wavelength 850 nm (0.05 nm), tolerance 10 nm (0.005 nm)
        upper[58:60] = _u16(850 / 0.05)
        upper[60:62] = _u16(10 / 0.005)
    upper[62] = 70                                    # 190 max case temperature, degC
    upper[63] = sum(upper[0:63]) & 0xff               # 191 CC_BASE
    upper[67] = 0x18 if kind == 'sr4' else 0x00       # 195 options: TX_DISABLE, TX_FAULT
    upper[68:84] = _ascii(desc.get('serial'), 16)     # 196-211 serial
    upper[84:92] = _ascii(desc.get('date_code'), 8)   # 212-219 date code YYMMDD + lot
    upper[92] = 0x0c if kind == 'sr4' else (0x08 if active else 0x00)  # 220 monitoring: avg rx power, tx power
    upper[95] = sum(upper[64:95]) & 0xff              # 223 CC_EXT
    image = bytes(lower) + bytes(upper)
    if paged:
        page3 = bytearray(128)                        # upper page 03h: module and channel thresholds
        for base, values in ((0, (75 * 256, -5 * 256, 70 * 256, 0)),           # temperature
                             (16, (36300, 29700, 34650, 31350)),                 # Vcc
                             (48, (21878, 407, 17378, 813)),                     # rx power
                             (56, (7500, 1000, 6000, 1500)),                     # tx bias
                             (64, (21878, 1000, 17378, 1995))):                  # tx power
            for i, value in enumerate(values):
                page3[base + 2 * i:base + 2 * i + 2] = _s16(value) if base == 0 else _u16(value)
        image += bytes(128) + bytes(128) + bytes(page3)  # pages 01h and 02h not provided (byte 195 bits 6-7 clear)
    return image


def _sff8472_image(sfp):
    """SFP+ 10GBASE-SR module (the QSA's passenger): A0h + A2h (diagnostics, internally calibrated)."""
    a0, a2 = bytearray(256), bytearray(256)
    a0[0:4] = bytes([0x03, 0x04, 0x07, 0x10])         # SFP, 2-wire ID, LC, 10G Base-SR
    a0[11], a0[12] = 0x06, 103                        # 64B/66B (SFF-8472 code), 10.3 GBd
    a0[16], a0[17], a0[19] = 8, 3, 30                 # OM2 80 m, OM1 30 m, OM3 300 m (10 m units)
    a0[20:36] = _ascii(sfp.get('vendor'), 16)
    a0[37:40] = _oui(sfp['vendor_oui'])
    a0[40:56] = _ascii(sfp.get('part_number'), 16)
    a0[56:60] = _ascii(sfp.get('revision'), 4)
    a0[60:62] = _u16(850)                             # wavelength, nm
    a0[63] = sum(a0[0:63]) & 0xff                     # CC_BASE
    a0[64:66] = bytes([0x00, 0x1a])                   # options: RX_LOS, TX_FAULT, TX_DISABLE
    a0[68:84] = _ascii(sfp.get('serial'), 16)
    a0[84:92] = _ascii(sfp.get('date_code'), 8)
    a0[92] = 0x68                                     # diagnostics implemented, internally calibrated, avg power
    a0[93] = 0xf0                                     # alarm/warning flags, soft TX_DISABLE/TX_FAULT/RX_LOS
    a0[94] = 0x05                                     # SFF-8472 rev 11.0
    a0[95] = sum(a0[64:95]) & 0xff                    # CC_EXT
    for base, values, signed in ((0, (75 * 256, -5 * 256, 70 * 256, 0), True),  # temperature thresholds
                                 (8, (36300, 29700, 34650, 31350), False),      # Vcc
                                 (16, (7500, 1000, 6000, 1500), False),         # bias
                                 (24, (12589, 1585, 10000, 1995), False),       # tx power
                                 (32, (12589, 363, 10000, 457), False)):        # rx power
        for i, value in enumerate(values):
            a2[base + 2 * i:base + 2 * i + 2] = _s16(value) if signed else _u16(value)
    a2[95] = sum(a2[0:95]) & 0xff                     # CC_DMI
    a2[96:106] = _s16(31.5 * 256) + _u16(33000) + _u16(3100) + _u16(6000) + _u16(5500)  # temp, Vcc, bias, tx, rx
    return bytes(a0) + bytes(a2)


def module_eeprom(desc):
    """The bytes behind ethtool -m for a resolved module description."""
    if desc['type'] == 'qsa':
        return _sff8472_image(desc['sfp'])  # the QSA passes the SFP+'s own EEPROM through at 0x50/0x51
    return _sff8636_image(desc)


def _port_number(root, bdf, port):
    card = load_card(root, bdf)
    text = str(port)
    if text in card['netdevs']:
        number = card['netdevs'].index(text) + 1
    elif text.isdigit():
        number = int(text)
    else:
        raise ValueError('port %r is neither a netdev of %s (%s) nor a port number' % (text, bdf, ', '.join(card['netdevs'])))
    if not 1 <= number <= card['ports']:
        raise ValueError('%s has %d port(s), not %d' % (bdf, card['ports'], number))
    return number


def module_paths(root, bdf, number):
    base = os.path.join(card_dir(root, bdf), 'module', 'port%d' % number)
    return base + '.eeprom', base + '.json'


def plug_module(root, bdf, port, spec):
    """Plug a module (spec: dict of MODULE_KEYS) into a port (netdev name or 1-based number); returns its description."""
    number = _port_number(root, bdf, port)
    desc = resolve_module(spec, bdf, number)
    eeprom, meta = module_paths(root, bdf, number)
    write(eeprom, module_eeprom(desc), 'wb')
    write(meta, json.dumps(desc, indent=1, sort_keys=True) + '\n')
    return desc


def unplug_module(root, bdf, port):
    """Empty the cage."""
    for path in module_paths(root, bdf, _port_number(root, bdf, port)):
        if os.path.exists(path):
            os.unlink(path)


def read_modules(root, bdf):
    out = {}
    for number in range(1, load_card(root, bdf)['ports'] + 1):
        meta = module_paths(root, bdf, number)[1]
        if os.path.exists(meta):
            with open(meta, encoding='utf-8') as handle:
                out[str(number)] = json.load(handle)
        else:
            out[str(number)] = None
    return out


# ------------------------------------------------------------------ CLI

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--root', default=os.environ.get('FAKEMLX_ROOT', '/var/lib/fakemlx'))
    sub = parser.add_subparsers(dest='cmd', required=True)
    p_create = sub.add_parser('create')
    p_create.add_argument('--bdf', required=True)
    p_create.add_argument('--preset', required=True)
    p_create.add_argument('--image', help='flash this FS2 image instead of the preset\'s')
    p_create.add_argument('--psid')
    p_create.add_argument('--fw')
    p_create.add_argument('--pcie-speed', type=float, default=8.0, help='slot speed, GT/s')
    p_create.add_argument('--pcie-width', type=int, default=8, help='slot width (lanes)')
    p_create.add_argument('--card-speed', type=float, default=8.0, help="card's max speed, GT/s")
    p_create.add_argument('--card-width', type=int, default=8, help="card's max width")
    p_create.add_argument('--netdevs', default='', help='comma list, port order (ens1,ens1d1)')
    p_create.add_argument('--base-guid')
    p_create.add_argument('--base-mac')
    p_create.add_argument('--serial')
    p_create.add_argument('--vsc', dest='vsc', action='store_true', default=True,
                          help='the default: the card has the vendor-specific PCI capability every real ConnectX-3 '
                               'has (mstflint 4.30/4.31 then crash on it, as on hardware)')
    p_create.add_argument('--no-vsc', dest='vsc', action='store_false',
                          help='leave the vendor-specific PCI capability out (mstflint 4.30+ then run, unlike on '
                               'hardware)')
    p_boot = sub.add_parser('boot')
    p_boot.add_argument('--etc', default='/etc')
    p_boot.add_argument('--kernel-mlx4', choices=('aux', 'request'), default='aux',
                        help='aux: mlx4_en/mlx4_ib load through auxiliary-bus aliases (blacklist applies); '
                             'request: mlx4_core request_module()s them by name (blacklist ignored)')
    p_show = sub.add_parser('show')
    p_show.add_argument('--bdf')
    p_fault = sub.add_parser('fault')
    p_fault.add_argument('--bdf', required=True)
    p_fault.add_argument('action', choices=('set', 'clear'))
    p_fault.add_argument('settings', nargs='*', metavar='NAME=VALUE')
    p_remove = sub.add_parser('remove')
    p_remove.add_argument('--bdf', required=True)
    p_module = sub.add_parser('module', help='plug a cable module into a port (or empty the cage with --none)')
    p_module.add_argument('--bdf', required=True)
    p_module.add_argument('--port', required=True, help='netdev name (ens1) or port number (1, 2)')
    p_module.add_argument('--none', action='store_true', help='empty cage: remove the module')
    p_module.add_argument('--spec', help='the module as a JSON object, e.g. {"type": "dac", "part_number": "MC2207130-001"}')
    p_module.add_argument('--type', choices=MODULE_TYPES)
    p_module.add_argument('--vendor')
    p_module.add_argument('--vendor-oui')
    p_module.add_argument('--part-number')
    p_module.add_argument('--revision')
    p_module.add_argument('--serial')
    p_module.add_argument('--date-code', help='YYMMDD')
    p_module.add_argument('--length-m', type=float)
    p_module.add_argument('--memory', choices=('flat', 'paged'))
    args = parser.parse_args(argv)
    root = os.path.abspath(args.root)

    if args.cmd == 'create':
        image = None
        if args.image:
            with open(args.image, 'rb') as handle:
                image = handle.read()
        card = create(root, args.bdf, args.preset, args.pcie_speed, args.pcie_width, args.card_speed,
                      args.card_width, args.netdevs.split(','), args.base_guid, args.base_mac, args.serial,
                      image, args.psid, args.fw, args.vsc)
        print(json.dumps(card, indent=1, sort_keys=True))
    elif args.cmd == 'boot':
        print(json.dumps(boot(root, args.etc, args.kernel_mlx4), indent=1, sort_keys=True))
    elif args.cmd == 'show':
        print(json.dumps(show(root, args.bdf), indent=1, sort_keys=True))
    elif args.cmd == 'fault':
        if args.bdf not in list_cards(root):
            parser.error('no card %s under %s' % (args.bdf, root))
        if args.action == 'clear':
            clear_faults(root, args.bdf)
        for setting in args.settings:
            name, _sep, value = setting.partition('=')
            set_fault(root, args.bdf, name, value or '1')
        print(json.dumps(read_faults(root, args.bdf), sort_keys=True))
    elif args.cmd == 'remove':
        remove(root, args.bdf)
    elif args.cmd == 'module':
        if args.bdf not in list_cards(root):
            parser.error('no card %s under %s' % (args.bdf, root))
        try:
            if args.none:
                unplug_module(root, args.bdf, args.port)
                print(json.dumps(None))
                return 0
            spec = json.loads(args.spec) if args.spec else {}
            if not isinstance(spec, dict):
                raise ValueError('--spec must be a JSON object')
            for key in ('type', 'vendor', 'vendor_oui', 'part_number', 'revision', 'serial', 'date_code', 'length_m',
                        'memory'):
                if getattr(args, key) is not None:
                    spec[key] = getattr(args, key)
            print(json.dumps(plug_module(root, args.bdf, args.port, spec), indent=1, sort_keys=True))
        except ValueError as exc:
            parser.error(str(exc))
    return 0


if __name__ == '__main__':
    sys.exit(main())
