# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a Windows host says about its ConnectX-3 cards, in the shape the link report needs.

Pure functions over the JSON that the windows_host role's PowerShell prints with ConvertTo-Json
(no Ansible import): one document ``{PnpDevices, SignedDrivers, DriverPackages, Adapters, HardwareInfo}`` whose
entries carry the property names of Win32_PnPEntity, Win32_PnPSignedDriver, Get-WindowsDriver,
Get-NetAdapter (MSFT_NetAdapter) and Get-NetAdapterHardwareInfo
(MSFT_NetAdapterHardwareInfoSettingData). Values are read by property name, never by position, and every
reader copes with what ConvertTo-Json really prints:

* a single object where a list was meant (one card, one adapter);
* Windows PowerShell 5.1's ``{"value": [...], "Count": n}`` wrapper around arrays
  (https://github.com/PowerShell/PowerShell/issues/3153, #5579);
* null for a property the provider leaves empty;
* enums as numbers (``MediaConnectState`` 1) or as names (``MediaConnectionState`` "Connected",
  ``ConfigManagerErrorCode`` "CM_PROB_FAILED_INSTALL");
* ``LinkSpeed`` as text ("40 Gbps", "100 Mbps", "0 bps") next to ``ReceiveLinkSpeed`` /
  ``TransmitLinkSpeed`` in bit/s.

Driver families: WinOF (Mellanox VPI WinOF, last release 5.50 for ConnectX-3 / ConnectX-3 Pro) binds
the PCI function to ``mlx4_bus`` and its Ethernet ports to ``mlx4eth63.sys`` (IPoIB ports to
``ipoib6x.sys``); WinOF-2 (``mlx5``) is for ConnectX-4 and later and does not drive a ConnectX-3.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import math
import re

from ansible_collections.homelab.connectx.plugins.plugin_utils import links
from ansible_collections.homelab.connectx.plugins.module_utils import pcie
from ansible_collections.homelab.connectx.plugins.module_utils.errors import ParseError

MELLANOX_VENDOR = '15b3'
# PCI device ids of the cards this collection is about.
MODELS = {'1003': 'ConnectX-3', '1007': 'ConnectX-3 Pro'}

# cfgmgr32.h problem codes (Device Manager "Code N"); Get-PnpDevice prints the names.
PROBLEM_CODES = {
    'CM_PROB_NONE': 0,
    'CM_PROB_NOT_CONFIGURED': 1,
    'CM_PROB_FAILED_START': 10,
    'CM_PROB_DISABLED': 22,
    'CM_PROB_FAILED_INSTALL': 28,
    'CM_PROB_DRIVER_FAILED_LOAD': 31,
    'CM_PROB_PHANTOM': 45,
}
NO_DRIVER_CODES = (1, 28)

# NET_IF_MEDIA_CONNECT_STATE (MSFT_NetAdapter.MediaConnectState).
MEDIA_CONNECT_STATES = {0: 'unknown', 1: 'connected', 2: 'disconnected'}
# NDIS_PHYSICAL_MEDIUM values (ntddndis.h) that matter here.
NDIS_PHYSICAL_MEDIUM_INFINIBAND = 11
NDIS_PHYSICAL_MEDIUM_802_3 = 14

SPEED_UNITS = {'bps': 1e-6, 'kbps': 1e-3, 'mbps': 1.0, 'gbps': 1e3, 'tbps': 1e6}
_DIGITS_RE = re.compile(r'^\s*[0-9]+\s*\Z')
_SPEED_RE = re.compile(r'^\s*([0-9]+(?:[.,][0-9]+)?)\s*([kmgt]?bps)\s*\Z', re.IGNORECASE)
_PCI_RE = re.compile(r'^PCI\\VEN_([0-9A-F]{4})&DEV_([0-9A-F]{4})(?:&SUBSYS_([0-9A-F]{8}))?(?:&REV_([0-9A-F]{2}))?',
                     re.IGNORECASE)

# How to switch a port from InfiniBand to Ethernet. Wording of the WinOF User Manual, "Port
# Configuration" (https://docs.nvidia.com/networking/display/winofv55052000/port+configuration):
# "Display the Device Manager and expand System devices. Right-click on the Mellanox ConnectX
# Ethernet network adapter and left-click Properties. Select the Port Protocol tab"; the
# firmware-side equivalent is mlxconfig's LINK_TYPE_P1/P2 (2 = ETH) from WinMFT.
IPOIB_FIX = ('switch the port to Ethernet: Device Manager > System devices > the Mellanox ConnectX-3 adapter (mlx4_bus) > '
             'Properties > Port Protocol tab > ETH for this port (WinOF "Port Configuration"), or with WinMFT '
             '"mlxconfig -d mt4099_pci_cr0 set LINK_TYPE_P1=2 LINK_TYPE_P2=2" (mt4103_pci_cr0 on a ConnectX-3 Pro) and reboot')
WINOF_HINT = ('install Mellanox WinOF 5.50 (MLNX_VPI_WinOF-5_50_*; the last release for ConnectX-3, Windows 10 / Server 2016 / 2019): '
              'set connectx_winof_package and connectx_winof_install: true')


def loads(document):
    """The decoded JSON document: from text, from win_powershell's ``output`` list, or as is."""
    if isinstance(document, dict) and 'output' in document and not {'PnpDevices', 'Adapters'} & set(document):
        document = document.get('output')
    if isinstance(document, list):
        # win_powershell puts the text printed by ConvertTo-Json in output[0].
        texts = [d for d in document if isinstance(d, str)]
        if texts:
            document = ''.join(texts)
        elif len(document) == 1:
            document = document[0]
    if isinstance(document, bytes):
        document = document.decode('utf-8')
    if isinstance(document, str):
        text = document.strip().lstrip(u'\ufeff')
        try:
            document = json.loads(text) if text else {}
        except ValueError as exc:
            raise ParseError('the detection script did not print JSON: %s' % exc, reason='not_json', output=text[:400])
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise ParseError('the detection script printed %s, expected a JSON object' % type(document).__name__,
                         reason='unexpected_output')
    return document


def as_list(value):
    """A list whatever ConvertTo-Json made of it: null -> [], one object -> [object], {value, Count} -> value."""
    if value is None or value == '':
        return []
    if isinstance(value, dict):
        if set(value) == {'value', 'Count'} and isinstance(value['value'], list):
            return list(value['value'])
        return [value]
    if isinstance(value, (list, tuple)):
        out = []
        for item in value:
            if isinstance(item, dict) and set(item) == {'value', 'Count'} and isinstance(item['value'], list):
                out.extend(item['value'])
            elif item is not None:
                out.append(item)
        return out
    return [value]


def prop(obj, *names):
    """First non-null property of ``obj`` among ``names`` (case-insensitive, like PowerShell)."""
    if not isinstance(obj, dict):
        return None
    lower = dict((k.lower(), v) for k, v in obj.items() if isinstance(k, str))
    for name in names:
        value = lower.get(name.lower())
        if value is not None and value != '':
            return value
    return None


def text(obj, *names):
    """prop() for string properties: a str (numbers as text), None for anything else (lists, objects)."""
    value = prop(obj, *names)
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return str(value)
    return value if isinstance(value, str) else None


# The largest magnitude a number read from the document may have: a uint64 (NDIS_LINK_SPEED_UNKNOWN is 2^64-1). Anything
# beyond, NaN and +-Infinity (Python's JSON reader accepts those words) is nonsense and reads as unknown.
NUMBER_LIMIT = 2 ** 64


def _finite(value, limit=NUMBER_LIMIT):
    """``value`` when it is a JSON number (int or float, not bool) that is finite and within +-limit, else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and (math.isinf(value) or math.isnan(value)):
        return None
    return value if -limit <= value <= limit else None


def _int(value):
    """An int from a JSON number or its text ('9000', '9000.0'); None for null, bool, NaN, +-Infinity, absurd or nonsense."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = _finite(value)
        return int(number) if number is not None else None
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        number = _finite(float(value.strip()))
    except ValueError:
        return None
    return int(number) if number is not None else None


def link_speed_mbps(text):
    """Mb/s from Get-NetAdapter's LinkSpeed text: '40 Gbps' -> 40000, '100 Mbps' -> 100, '0 bps' -> 0.

    A bare number is taken as bit/s (the unit of ReceiveLinkSpeed/TransmitLinkSpeed). None when unknown.
    """
    if text is None or isinstance(text, bool):
        return None
    if isinstance(text, (int, float)):
        return bps_to_mbps(text)
    if not isinstance(text, str):
        return None
    match = _SPEED_RE.match(text)
    if not match:
        return bps_to_mbps(text) if _DIGITS_RE.match(text) else None
    # A number too long for a float reads as inf: unknown, like NaN, Infinity or a negative count.
    value = _finite(float(match.group(1).replace(',', '.')) * SPEED_UNITS[match.group(2).lower()])
    return int(round(value)) if value is not None else None


def bps_to_mbps(value):
    """Mb/s from a bit/s count (ReceiveLinkSpeed, TransmitLinkSpeed); None for null or nonsense."""
    number = _int(value)
    if number is None or number < 0:
        return None
    # 2^64-1 means 'unknown' in NDIS (NDIS_LINK_SPEED_UNKNOWN); ConvertTo-Json prints it as 1.8446744073709552E+19.
    if number >= 2 ** 63:
        return None
    return int(round(number / 1e6))


def pci_ids(device_id):
    """{'vendor', 'device', 'subsys', 'rev'} (lower-case hex) of a PCI instance id, or None."""
    match = _PCI_RE.match(str(device_id or ''))
    if not match:
        return None
    return {'vendor': match.group(1).lower(), 'device': match.group(2).lower(),
            'subsys': (match.group(3) or '').lower() or None, 'rev': (match.group(4) or '').lower() or None}


def problem_code(value):
    """Device Manager problem code from a number or a CM_PROB_* name; None when unknown."""
    if isinstance(value, str) and not value.strip().isdigit():
        return PROBLEM_CODES.get(value.strip().upper())
    return _int(value)


def driver_family(*names):
    """'mlx4' (WinOF), 'mlx5' (WinOF-2), 'ipoib' (WinOF IPoIB) or None, from driver/service/inf/file names."""
    for name in names:
        text = str(name or '').lower()
        if not text:
            continue
        base = re.split(r'[\\/]', text)[-1]
        if base.startswith('ipoib') or 'ipoib' in text:
            return 'ipoib'
        if base.startswith('mlx5') or 'winof-2' in text or 'winof2' in text:
            return 'mlx5'
        if base.startswith('mlx4') or 'winof' in text:
            return 'mlx4'
    return None


def _leaf(path):
    return re.split(r'[\\/]', str(path or ''))[-1] or None


def _driver_name(file_name):
    """'mlx4eth63.sys' -> 'mlx4eth63' (the driver as the link check compares it)."""
    leaf = _leaf(file_name)
    if not leaf:
        return None
    leaf = leaf.lower()
    return leaf[:-4] if leaf.endswith('.sys') else leaf


# PciExpressCurrentLinkSpeedEncoded / PciExpressMaxLinkSpeedEncoded of MSFT_NetAdapterHardwareInfoSettingData (uint32):
# the PCIe Link Status register's speed code, as pciprop.h's DevProp_PciExpressDevice_LinkSpeed_* (TwoAndHalf_Gbps = 1,
# Five_Gbps = 2; 3 = 8 GT/s, 4 = 16 GT/s as the register goes on). Get-NetAdapterHardwareInfo's default view shows them
# as PcieLinkSpeed "2.5 GT/s" / "8.0 GT/s", and "Unknown" for an adapter without a PCIe link (a virtual NIC).
PCIE_SPEED_CODES = {1: 2.5, 2: 5.0, 3: 8.0, 4: 16.0, 5: 32.0}


# The fastest PCIe rate a link can report (PCIe 6.0 runs 64 GT/s) and the most lanes: beyond is nonsense, read as unknown.
PCIE_MAX_GTS = 128.0
PCIE_MAX_LANES = 32


def pcie_speed_gts(value):
    """GT/s from a speed code (3) or the default view's text ('8.0 GT/s'); None for 0, 'Unknown', null, nonsense
    (NaN, +-Infinity, absurd numbers, lists, objects)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = _finite(value)
        return PCIE_SPEED_CODES.get(int(number)) if number is not None and number == int(number) else None
    if not isinstance(value, str) or len(value) > 64:
        return None
    text = value.strip()
    if re.match(r'^[0-9]{1,9}\Z', text):
        return PCIE_SPEED_CODES.get(int(text))
    speed = _finite(pcie.parse_sysfs_link_speed(text))
    return speed if speed is not None and 0 < speed <= PCIE_MAX_GTS else None


def pcie_width(value):
    """Lanes from PciExpressCurrentLinkWidth (4) or PcieLinkWidth ('4', 'x4'); None for 0, blank, nonsense
    (NaN, +-Infinity, absurd numbers, lists, objects)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = _finite(value, PCIE_MAX_LANES)
        return pcie.parse_sysfs_link_width(str(int(number))) if number is not None and number == int(number) else None
    if not isinstance(value, str) or len(value) > 16:
        return None
    return pcie.parse_sysfs_link_width(value)


def hardware_info(entry):
    """One Get-NetAdapterHardwareInfo entry: {name, description, location, speed_gts, width, max_speed_gts, max_width,
    pcie} where pcie is the card's PCIe link in the Linux shape (module_utils.pcie.link_summary: ceiling_gbps,
    usable_gbps, warnings). The raw CIM properties win over the default view's formatted ones."""
    speed = pcie_speed_gts(prop(entry, 'PciExpressCurrentLinkSpeedEncoded'))
    speed = speed if speed is not None else pcie_speed_gts(prop(entry, 'PcieLinkSpeed'))
    width = pcie_width(prop(entry, 'PciExpressCurrentLinkWidth', 'PcieLinkWidth'))
    max_speed = pcie_speed_gts(prop(entry, 'PciExpressMaxLinkSpeedEncoded'))
    max_speed = max_speed if max_speed is not None else pcie_speed_gts(prop(entry, 'PcieMaxLinkSpeed'))
    max_width = pcie_width(prop(entry, 'PciExpressMaxLinkWidth', 'PcieMaxLinkWidth'))
    # A PCI location is bus 0-255, device 0-31, function 0-7; any other number reads as unknown.
    places = ((('BusNumber', 'Bus'), 256), (('DeviceNumber', 'Device'), 32), (('FunctionNumber', 'Function'), 8))
    numbers = [(_int(prop(entry, *names)), top) for names, top in places]
    bus, device, function = (number if number is not None and 0 <= number < top else None for number, top in numbers)
    location = ('PCI bus %d, device %d, function %d' % (bus, device, function)
                if None not in (bus, device, function) else text(entry, 'LocationInformationString'))
    return {'name': text(entry, 'Name', 'InterfaceAlias', 'ifAlias'),
            'description': text(entry, 'InterfaceDescription', 'ifDesc'),
            'location': location, 'speed_gts': speed, 'width': width, 'max_speed_gts': max_speed, 'max_width': max_width,
            'pcie': pcie.link_summary(speed, width, max_speed, max_width)}


def adapter_info(adapter):
    """One Get-NetAdapter entry in the shape of link_info's per-interface dict, plus Windows fields."""
    status = (text(adapter, 'Status') or '').strip()
    media = prop(adapter, 'MediaConnectionState', 'MediaConnectState')
    media = media if isinstance(media, (str, int, float)) else None
    if isinstance(media, str) and not media.strip().isdigit():
        media_state = media.strip().lower() or None
    else:
        media_state = MEDIA_CONNECT_STATES.get(_int(media)) if media is not None else None
    carrier = media_state == 'connected' if media_state in ('connected', 'disconnected') else status.lower() == 'up'
    rx = bps_to_mbps(prop(adapter, 'ReceiveLinkSpeed'))
    tx = bps_to_mbps(prop(adapter, 'TransmitLinkSpeed'))
    text_speed = link_speed_mbps(text(adapter, 'LinkSpeed'))
    speed = min([s for s in (rx, tx) if s]) if (rx or tx) else (text_speed or None)
    duplex = prop(adapter, 'FullDuplex')
    file_name = text(adapter, 'DriverFileName', 'DriverName')
    description = text(adapter, 'InterfaceDescription', 'ifDesc') or ''
    driver_description = text(adapter, 'DriverDescription') or ''
    family = driver_family(file_name, description if 'ipoib' in description.lower() else None)
    physical = _int(prop(adapter, 'NdisPhysicalMedium'))
    media_type = text(adapter, 'MediaType') or ''
    ipoib = bool('ipoib' in (description + ' ' + driver_description).lower()
                 or family == 'ipoib'
                 or physical == NDIS_PHYSICAL_MEDIUM_INFINIBAND
                 or (media_type and media_type.replace(' ', '') not in ('802.3', '')))
    return {
        'name': text(adapter, 'Name', 'InterfaceAlias', 'ifAlias'),
        'speed_mbps': speed if carrier else None,
        'duplex': ('full' if duplex else 'half') if (carrier and isinstance(duplex, bool)) else None,
        'carrier': carrier,
        'autoneg': None,
        'driver': _driver_name(file_name),
        'driver_version': text(adapter, 'DriverVersionString', 'DriverVersion'),
        'firmware_version': None,
        'bus_info': text(adapter, 'PnPDeviceID', 'PNPDeviceID'),
        'supported_link_modes': [],
        'mtu': _int(prop(adapter, 'MtuSize', 'ActiveMaximumTransmissionUnit')),
        'mac': text(adapter, 'MacAddress', 'PermanentAddress'),
        'port_type': 'ib' if ipoib else 'eth',
        'operstate': status.lower() or None,
        # Windows only:
        'interface_description': description or None,
        'link_speed': text(adapter, 'LinkSpeed'),
        'receive_mbps': rx,
        'transmit_mbps': tx,
        'media_connection_state': media_state,
        'media_type': media_type or None,
        'driver_description': driver_description or None,
        'driver_provider': text(adapter, 'DriverProvider'),
        'driver_file': _leaf(file_name),
        'driver_family': family,
        'ipoib': ipoib,
    }


def _signed_driver_for(drivers, device_id):
    for drv in drivers:
        if (text(drv, 'DeviceID') or '').lower() == str(device_id or '').lower():
            return drv
    return None


def card_state(card, winof2_present, provider='Mellanox'):
    """'winof', 'no_driver', 'winof2', 'other_driver' or 'error' and a sentence for one card."""
    where = '%s %s' % (card['model'], card['instance_id'])
    code = card['problem_code']
    family = card['driver']['family']
    if family == 'mlx5':
        return 'winof2', ('%s is driven by WinOF-2 (mlx5), which does not support ConnectX-3: uninstall WinOF-2 and %s'
                          % (where, WINOF_HINT))
    if code in NO_DRIVER_CODES or (not card['driver']['provider'] and not card['service'] and code not in (0, None)):
        if winof2_present:
            return 'winof2', ('%s has no driver (code %s) and only WinOF-2 (mlx5) is installed, which does not support '
                              'ConnectX-3: %s' % (where, code, WINOF_HINT))
        return 'no_driver', '%s has no driver (code %s): %s' % (where, code, WINOF_HINT)
    if code not in (0, None):
        return 'error', '%s reports problem code %s (status %s): see Device Manager' % (where, code, card['status'] or '?')
    if family == 'mlx4' and (provider or '').lower() in (card['driver']['provider'] or 'mellanox').lower():
        return 'winof', '%s runs WinOF %s (%s)' % (where, card['driver']['version'] or '?', card['service'] or 'mlx4_bus')
    return 'other_driver', ('%s runs %s %s (%s), not Mellanox WinOF: %s'
                            % (where, card['driver']['provider'] or 'an unknown provider', card['driver']['version'] or '',
                               card['service'] or card['driver']['inf'] or '?', WINOF_HINT))


def inventory(document, provider='Mellanox'):
    """Cards, driver state, adapters and messages from the detection script's JSON.

    Returns ``{cards, adapters, packages, winof_installed, winof2_installed, status, messages, ipoib}``;
    ``status`` sums the host up: ``no_card``, ``no_driver``, ``winof2``, ``error``, ``other_driver``,
    ``winof`` (all cards on WinOF).
    """
    data = loads(document)
    devices = as_list(prop(data, 'PnpDevices'))
    drivers = as_list(prop(data, 'SignedDrivers'))
    packages = []
    for pkg in as_list(prop(data, 'DriverPackages')):
        original = text(pkg, 'OriginalFileName')
        packages.append({'inf': text(pkg, 'Driver'), 'original_file': _leaf(original), 'provider': text(pkg, 'ProviderName'),
                         'class': text(pkg, 'ClassName'), 'version': text(pkg, 'Version'),
                         'family': driver_family(original, text(pkg, 'Driver'))})
    winof2 = any(p['family'] == 'mlx5' for p in packages) or any(
        driver_family(text(d, 'InfName'), text(d, 'DeviceName') if 'connectx-4' in (text(d, 'DeviceName') or '').lower() else None) == 'mlx5'
        for d in drivers)
    winof = any(p['family'] in ('mlx4', 'ipoib') for p in packages)
    cards = []
    for dev in devices:
        instance = text(dev, 'InstanceId', 'DeviceID', 'PNPDeviceID')
        ids = pci_ids(instance)
        if not ids or ids['vendor'] != MELLANOX_VENDOR or ids['device'] not in MODELS:
            continue
        if prop(dev, 'Present') is False:
            continue
        drv = _signed_driver_for(drivers, instance) or {}
        service = text(dev, 'Service')
        card = {
            'instance_id': instance,
            'model': MODELS[ids['device']],
            'device_id': ids['device'],
            'subsys': ids['subsys'],
            'name': text(dev, 'FriendlyName', 'Name', 'Caption'),
            'status': text(dev, 'Status'),
            'problem_code': problem_code(prop(dev, 'ConfigManagerErrorCode', 'Problem')),
            'pnp_class': text(dev, 'PNPClass', 'Class'),
            'service': service,
            'driver': {
                'provider': text(drv, 'DriverProviderName'),
                'version': text(drv, 'DriverVersion'),
                'name': text(drv, 'DeviceName'),
                'inf': text(drv, 'InfName'),
                'family': driver_family(service, text(drv, 'InfName'), text(drv, 'DeviceName') if drv else None)
                if (service or drv) else None,
            },
        }
        card['state'], card['message'] = card_state(card, winof2, provider)
        cards.append(card)
    winof = winof or any(c['state'] == 'winof' for c in cards)
    adapters = {}
    for adapter in as_list(prop(data, 'Adapters')):
        info = adapter_info(adapter)
        if info['name']:
            adapters[info['name']] = info
    for entry in as_list(prop(data, 'HardwareInfo')):
        hardware = hardware_info(entry)
        if hardware['name'] in adapters:
            adapters[hardware['name']]['pcie'] = hardware['pcie']
            adapters[hardware['name']]['pci_location'] = hardware['location']
    messages = [c['message'] for c in cards]
    ipoib = sorted(name for name, info in adapters.items() if info['ipoib'])
    for name in ipoib:
        messages.append('port %s (%s) runs as InfiniBand (IPoIB), not Ethernet: %s'
                        % (name, adapters[name]['interface_description'] or '?', IPOIB_FIX))
    if not cards:
        status = 'no_card'
        messages.insert(0, 'no ConnectX-3 / ConnectX-3 Pro (PCI VEN_15B3&DEV_1003 / DEV_1007) found on this host')
    else:
        order = ['winof2', 'no_driver', 'error', 'other_driver', 'winof']
        status = min((c['state'] for c in cards), key=order.index)
    return {'cards': cards, 'adapters': adapters, 'packages': packages, 'winof_installed': winof,
            'winof2_installed': winof2, 'status': status, 'messages': messages, 'ipoib': ipoib}


def ping_rc(result, peer=None):
    """0 when ping.exe got an echo reply from ``peer``, else 1.

    ping.exe exits 0 on 'Reply from <own address>: Destination host unreachable.' too, so only a
    reply line carrying TTL= (from the peer when known) counts.
    """
    if not isinstance(result, dict) or result.get('skipped'):
        return None
    for line in str(result.get('stdout') or '').splitlines():
        low = line.lower()
        if 'ttl=' in low and 'bytes=' in low and (not peer or peer in line):
            return 0
    return 1


def ping_results(results):
    """The registered ping.exe loop results with ``rc`` replaced by ping_rc (for links.evaluate_ends)."""
    out = []
    for res in results or []:
        if not isinstance(res, dict):
            continue
        item = res.get('item') or {}
        rc = ping_rc(res, item.get('peer_address'))
        if rc is None:
            continue
        out.append({'item': item, 'rc': rc, 'stdout': res.get('stdout')})
    return out


# The finding codes only a Windows end has (the others are link_eval's: no_interface, no_carrier, speed, ...).
FINDING_IPOIB = 'port_type'
FINDING_NO_CARD = 'no_card'
FINDING_CARD_DRIVER = 'card_driver'


def evaluate_ends(ends, inv, ping_results_=None, driver='mlx4eth63', duplex='full', ping=True):
    """links.evaluate_ends for a Windows host, plus what only Windows can say about an end.

    ``inv``: the result of inventory(). The ends keep exactly links.evaluate_end's shape; an IPoIB port, no card, or a
    card without WinOF (no driver, WinOF-2, another driver) add a sentence to ``errors`` and the same with its code to
    ``findings``
    (V(port_type), V(no_card), V(card_driver)); IPoIB marks the end down: an InfiniBand port cannot talk to an
    Ethernet peer. What both systems check (carrier, speed, duplex, driver, MTU, ping) carries link_eval's codes.
    """
    inv = inv or {}
    adapters = inv.get('adapters') or {}
    # The card behind each adapter, as links.evaluate_ends takes it: its PCIe link (Get-NetAdapterHardwareInfo), so a
    # Windows PC with the card in a PCIe 3.0 x4 slot is reported as limited to what that slot carries.
    devices = [{'netdevs': [name], 'pcie': info['pcie'], 'pci_address': info.get('pci_location'),
                'model': info.get('interface_description')}
               for name, info in sorted(adapters.items()) if info.get('pcie')]
    state = dict((name, dict((k, v) for k, v in info.items() if k not in ('pcie', 'pci_location')))
                 for name, info in adapters.items())
    evaluated = links.evaluate_ends(ends, state, ping_results_, devices, driver=driver, duplex=duplex, ping=ping)
    problems = [c['message'] for c in inv.get('cards') or [] if c.get('state') != 'winof']

    def add(end, code, sentence):
        text_ = '%s: %s' % (where, sentence)
        end['errors'].append(text_)
        end['findings'].append({'code': code, 'text': text_})

    for end in evaluated:
        where = 'link %s, end %s (%s:%s)' % (end.get('link'), end.get('end'), end.get('host'), end.get('iface'))
        info = adapters.get(end.get('iface'))
        if info and info.get('ipoib'):
            add(end, FINDING_IPOIB, 'port runs as InfiniBand (IPoIB), not Ethernet: %s' % IPOIB_FIX)
            end['down'] = True
        # The card is the host's: no card, or one without WinOF, fails every Windows end (the role's check that a
        # ConnectX-3 runs WinOF), whether or not the adapter is there.
        if inv.get('status') == 'no_card':
            add(end, FINDING_NO_CARD, 'no ConnectX-3 card found on this host')
        for problem in problems:
            add(end, FINDING_CARD_DRIVER, problem)
    return evaluated
