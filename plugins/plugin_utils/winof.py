# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The decisions of the winof action (plugins/action/winof.py) as pure functions: is the host a Windows one, where is
the WinOF installer and is it there, does this run install, what is said. No Ansible import; reading the detection
script's JSON is parse_windows.py's job.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.homelab.connectx.plugins.plugin_utils import paths

# One read-only PowerShell run; it prints one JSON document that parse_windows.inventory reads by property name (lists
# may come out as single objects, nulls are fine): the cards, their drivers, the driver packages, the adapters and the
# PCIe link of each adapter's card. $Names: the adapters of this host's link ends (read whatever their description).
DETECT_SCRIPT = r'''
[CmdletBinding()]
param (
    [string[]]$Names = @()
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
# PCI functions of ConnectX-3 (15b3:1003) and ConnectX-3 Pro (15b3:1007).
$devices = @(Get-CimInstance -ClassName Win32_PnPEntity |
    Where-Object { $_.DeviceID -match '^PCI\\VEN_15B3&DEV_(1003|1007)&' } |
    Select-Object -Property Name, DeviceID, Status, ConfigManagerErrorCode, PNPClass, Manufacturer, Service, Present, HardwareID)
$drivers = @(Get-CimInstance -ClassName Win32_PnPSignedDriver |
    Where-Object { $_.DeviceID -match '^(PCI\\VEN_15B3&|MLX4\\|MLX5\\|IBA\\)' } |
    Select-Object -Property DeviceID, DeviceName, DeviceClass, DriverProviderName, DriverVersion, InfName, Manufacturer, IsSigned)
# Driver store: shows a WinOF-2 (mlx5) package that cannot bind to a ConnectX-3. Needs admin rights.
try {
    $packages = @(Get-WindowsDriver -Online -ErrorAction Stop |
        Where-Object { $_.ProviderName -like '*Mellanox*' -or $_.OriginalFileName -match '(mlx4|mlx5|ipoib)[^\\]*\.inf$' } |
        Select-Object -Property Driver, OriginalFileName, ProviderName, ClassName, @{ Name = 'Version'; Expression = { [string]$_.Version } })
}
catch {
    $packages = $null
}
$adapters = @(Get-NetAdapter |
    Where-Object { $Names -contains $_.Name -or $_.InterfaceDescription -like '*Mellanox*' } |
    Select-Object -Property Name, InterfaceDescription, Status, LinkSpeed, ReceiveLinkSpeed, TransmitLinkSpeed, FullDuplex,
        @{ Name = 'MediaConnectionState'; Expression = { [string]$_.MediaConnectionState } },
        MediaType, NdisPhysicalMedium, MtuSize, DriverDescription, DriverVersionString, DriverProvider, DriverFileName,
        PnPDeviceID, MacAddress, ifIndex)
# The PCIe link of each adapter's card (MSFT_NetAdapterHardwareInfoSettingData): a card in a PCIe 3.0 x4 slot
# carries ~28 Gb/s however fast its port negotiates. The raw speed code and width, and the default view's
# PcieLinkSpeed / PcieLinkWidth ("8.0 GT/s", 4); nothing for an adapter that has none.
try {
    $hardware = @(Get-NetAdapterHardwareInfo -ErrorAction Stop |
        Where-Object { $Names -contains $_.Name -or $_.InterfaceDescription -like '*Mellanox*' } |
        Select-Object -Property Name, InterfaceDescription, BusNumber, DeviceNumber, FunctionNumber,
            PciExpressCurrentLinkSpeedEncoded, PciExpressCurrentLinkWidth, PciExpressMaxLinkSpeedEncoded,
            PciExpressMaxLinkWidth, PcieLinkSpeed, PcieLinkWidth)
}
catch {
    $hardware = $null
}
[ordered]@{
    PnpDevices = $devices
    SignedDrivers = $drivers
    DriverPackages = $packages
    Adapters = $adapters
    HardwareInfo = $hardware
} | ConvertTo-Json -Depth 4 -Compress
'''

# What a Windows host is to Ansible: its facts, or the connection / shell it is reached with.
WINDOWS_CONNECTIONS = ('winrm', 'psrp', 'ansible.builtin.winrm', 'ansible.builtin.psrp')
WINDOWS_SHELLS = ('powershell', 'pwsh')
# C:\..., \\server\share\... or //server/share/...: a path on the Windows host; anything else is on the controller.
HOST_PATH_RE = re.compile(r'^([A-Za-z]:|[\\/]{2})')
# The driver states the installer is for (parse_windows.card_state); 'error' (another problem code) is not one of them.
INSTALL_FOR = ('no_driver', 'winof2', 'other_driver')
# The tags of site.yml's read-only runs (--tags links / report): no install then.
# The tags under which a run may install WinOF: every tag, or the role's own (site.yml tags the role `windows`).
INSTALL_TAGS = ('all', 'windows')
EXPECTED_RETURN_CODES = [0, 3010]
REBOOT_MSG = 'homelab.connectx installed Mellanox WinOF'
UNCHANGED = 'Nothing has been changed.'


def not_windows(host, facts):
    """The refusal for a host that is not a Windows one, or None. ``facts``: the task's variables (ansible_os_family,
    ansible_connection, ansible_shell_type)."""
    family = facts.get('ansible_os_family')
    connection = facts.get('ansible_connection')
    if (family or '') == 'Windows' or (connection or '') in WINDOWS_CONNECTIONS \
            or (facts.get('ansible_shell_type') or '') in WINDOWS_SHELLS:
        return None
    return ('%s is in group windows_hosts but is not a Windows host (os family %s, connection %s): use '
            'ansible_connection=winrm or psrp, or ssh with ansible_shell_type=powershell. %s'
            % (host, family or 'unknown', connection or 'unknown', UNCHANGED))


def on_host(package):
    """Whether the installer path is one on the Windows host."""
    return bool(HOST_PATH_RE.match(package or ''))


def installer(package, remote_dir, base):
    """``{'on_host', 'src', 'path'}`` of the WinOF installer: ``src`` where it is now (the controller path, absolute,
    for one on the controller: paths.controller_path from ``base``, the inventory's directory), ``path`` where it is
    run on the host (``remote_dir`` and its file name for one that is copied). paths.PathError when it cannot be."""
    if on_host(package):
        return {'on_host': True, 'src': package, 'path': package}
    src = paths.controller_path(package, base, 'connectx_winof_package')
    name = re.split(r'[\\/]', src)[-1]
    return {'on_host': False, 'src': src, 'path': '%s\\%s' % (remote_dir.rstrip('\\/'), name)}


def no_installer():
    return ('connectx_winof_install is true but connectx_winof_package is empty: give the WinOF installer '
            '(MLNX_VPI_WinOF-5_50_*_All_win2019_x64.exe or ..._win2016_x64.exe for Windows 10). %s' % UNCHANGED)


def installer_missing(package, host):
    return 'The WinOF installer %s does not exist %s. %s' % (
        package['src'], 'on %s' % host if package['on_host'] else 'on the controller', UNCHANGED)


def read_only_run(run_tags, skip_tags=None, install_tags=INSTALL_TAGS):
    """Whether the run only reads: it runs neither every tag nor one of ``install_tags`` (``--tags links``, ``--tags
    report``, also with other tags such as ``interfaces``), or it skips one of them (``--skip-tags windows``). No
    install then, and so no reboot. Without tags (``run_tags`` None) a run installs as asked."""
    tags = set(run_tags if run_tags is not None else ['all'])
    wanted = set(install_tags)
    return not (tags & wanted) or bool(set(skip_tags or []) & (wanted - {'all'}))


def wants_install(status, install, read_only=False):
    """Whether WinOF is installed: asked for, not a read-only run, and the card has no WinOF driver for it."""
    return bool(install) and not read_only and status in INSTALL_FOR


def package_args(path, arguments, product_id):
    """ansible.windows.win_package's arguments for the installer run."""
    args = {'path': path, 'arguments': arguments, 'expected_return_code': list(EXPECTED_RETURN_CODES), 'state': 'present'}
    if product_id:
        args['product_id'] = product_id
    return args


def plan_message(path, arguments, status):
    return 'Check mode: would run %s %s (%s).' % (path, arguments, status)


def reboot_pending_message(host):
    return 'the WinOF installer asks for a reboot of %s (connectx_reboot is false).' % host


def ipoib_warnings(inv):
    """The sentences about ports that came up as InfiniBand (IPoIB), with the way back to Ethernet."""
    return [m for m in (inv or {}).get('messages') or [] if 'IPoIB' in m]


def status_message(host, inv):
    """``HOST: sentence; sentence``: what was found on the host."""
    return '%s: %s' % (host, '; '.join((inv or {}).get('messages') or []))


def adapter_names(ends):
    """The adapters of this host's link ends, once each, in order (the detection script's $Names)."""
    names = []
    for end in ends or []:
        name = end.get('iface') if isinstance(end, dict) else None
        if isinstance(name, str) and name and name not in names:
            names.append(name)
    return names
