#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: winof
short_description: Find the ConnectX-3 cards of a Windows host and their driver, and install Mellanox WinOF when asked
description:
  - Action plugin (this file is its documentation). In this order, stopping at the first refusal -
  - The checks - the host must be a Windows one (C(ansible_os_family) V(Windows), a C(winrm)/C(psrp) connection or a
    C(powershell)/C(pwsh) shell); with O(install), O(package) must be given and exist, on the controller or (read with
    M(ansible.windows.win_stat)) on the host. With O(preflight) nothing more is done.
  - One read-only PowerShell run through M(ansible.windows.win_powershell), also in check mode - the PnP entities
    C(PCI\VEN_15B3&DEV_1003) / C(DEV_1007), their signed drivers, the Mellanox driver packages, the adapters
    (Get-NetAdapter, those of O(ends) and the Mellanox ones) and the PCIe link of each adapter's card
    (Get-NetAdapterHardwareInfo). The host's state is one of V(no_card), V(no_driver) (Code 28), V(winof2) (WinOF-2,
    mlx5, which does not drive a ConnectX-3), V(other_driver), V(error), V(winof).
  - With O(install), when a card has no WinOF driver (V(no_driver), V(winof2), V(other_driver)) and the run runs
    every tag or one of O(install_tags) without skipping it (C(--tags links), also with other tags, only reads) - an
    installer on the controller is copied to O(remote_dir) with
    M(ansible.windows.win_copy), M(ansible.windows.win_package) runs it with O(arguments) (exit codes 0 and 3010), the
    host is rebooted with M(ansible.windows.win_reboot) when the installer exits 3010 and O(reboot) is true (a warning
    otherwise), and the detection runs again. In check mode only the plan is said and nothing is copied or run.
  - Prints what was found (one line per card, one per IPoIB port); IPoIB ports are also warnings, with the way back to
    Ethernet. Fails, outside check mode, when no card runs WinOF and the host has no link end in O(ends) - with ends,
    M(homelab.connectx.link_evaluate) gives each end the finding and the role fails after the link report is written.
  - Leaves what was found in the host fact C(connectx_windows), which M(homelab.connectx.link_evaluate) reads as its
    O(homelab.connectx.link_evaluate#module:windows) option.
version_added: 0.5.0
author:
  - homelab.connectx contributors (@homelab-connectx)
options:
  preflight:
    description: Only the checks (C(site.yml)'s first play) - nothing is read from the host but the installer's presence.
    type: bool
    default: false
  ends:
    description: This host's link ends (C(connectx_link_plan.ends)); their C(iface) names the adapters to read.
    type: list
    elements: dict
    default: []
  install:
    description: Install WinOF when a card has no WinOF driver.
    type: bool
    default: false
  package:
    description:
      - The WinOF installer (C(MLNX_VPI_WinOF-5_50_*_All_win2019_x64.exe), C(..._win2016_x64.exe) for Windows 10).
      - A Windows path (C(C:\...), C(\\server\share\...), C(//server/share/...)) is on the host; any other path is on
        the controller (a relative one is taken from the inventory's directory) and is copied to O(remote_dir).
    type: str
    default: ""
  remote_dir:
    description: Where an installer from the controller is copied on the host.
    type: str
    default: C:\Windows\Temp
  arguments:
    description: The installer's options (silent; C(MT_SKIPFWUPGRD=1) keeps it from burning stock firmware over a crossflashed card).
    type: str
    default: /S /v"/qn MT_SKIPFWUPGRD=1"
  product_id:
    description: Uninstall key / product code of the WinOF package, for M(ansible.windows.win_package)'s own idempotence check.
    type: str
    default: ""
  reboot:
    description: Reboot when the installer exits 3010 (the new driver binds after it); a warning otherwise.
    type: bool
    default: true
  reboot_timeout:
    description: Seconds to wait for the host to come back.
    type: int
    default: 900
  provider:
    description: Text the card driver's provider must contain to count as WinOF.
    type: str
    default: Mellanox
  install_tags:
    description:
      - A run installs WinOF (and may reboot for it) only when it runs every tag (V(all)) or one of these, and skips none
        of them; any other run (C(--tags links), C(--tags interfaces,links)) reads only.
    type: list
    elements: str
    default: [all, windows]
attributes:
  action:
    support: full
    description: Runs as an action plugin on the controller, which runs the modules on the host.
  async:
    support: none
    description: Cannot be run asynchronously.
  check_mode:
    support: full
    description: The checks and the detection run; the install is only said (changed, with a diff).
  diff_mode:
    support: full
    description: The driver state before and after an install.
notes:
  - A task of the role runs it with C(throttle) 1, so Windows hosts install and reboot one at a time.
seealso:
  - module: homelab.connectx.link_evaluate
'''

EXAMPLES = r'''
- name: Find the cards and install WinOF when needed
  homelab.connectx.winof:
    ends: "{{ connectx_link_plan.ends | default([]) }}"
    install: true
    package: installers/MLNX_VPI_WinOF-5_50_54000_All_win2019_x64.exe

- name: Only the checks, before any change anywhere
  homelab.connectx.winof:
    preflight: true
    install: "{{ connectx_winof_install }}"
    package: "{{ connectx_winof_package }}"
'''

RETURN = r'''
status:
  description: The host's state - V(no_card), V(no_driver), V(winof2), V(error), V(other_driver) or V(winof) (after an install).
  returned: unless preflight
  type: str
  sample: winof
installed:
  description: Whether the installer ran.
  returned: always
  type: bool
rebooted:
  description: Whether the host was rebooted for the new driver.
  returned: always
  type: bool
reboot_required:
  description: The installer asked for a reboot that O(reboot) did not allow.
  returned: always
  type: bool
modules_run:
  description: The modules and actions run, in order (C(win_powershell), C(win_stat), C(win_copy), C(win_package), C(win_reboot)).
  returned: always
  type: list
  elements: str
reason:
  description:
    - Why the task failed - V(not_windows), V(no_installer), V(installer_path), V(installer_missing),
      V(installer_stat_failed), V(detect_failed), V(not_json), V(unexpected_output), V(copy_failed), V(install_failed),
      V(reboot_failed), or the state (V(no_card), V(winof2), ...) of a host without WinOF and without link ends.
  returned: failure
  type: str
ansible_facts:
  description: The host fact.
  returned: unless preflight
  type: dict
  contains:
    connectx_windows:
      description:
        - What was found - C(status), C(messages) (one sentence per card and per IPoIB port), C(cards) (C(model),
          C(instance_id), C(state), C(message), C(problem_code), C(driver) with C(provider), C(version), C(family)),
          C(adapters) (by Name - the link_info shape plus C(driver_family), C(ipoib), C(media_connection_state),
          C(pcie) and C(pci_location) when Get-NetAdapterHardwareInfo gives them), C(packages), C(winof_installed),
          C(winof2_installed), C(ipoib) (the names of the IPoIB ports).
      type: dict
      sample:
        status: winof
        messages: ["ConnectX-3 PCI\\VEN_15B3&DEV_1003&SUBSYS_005015B3&REV_00\\4&2C7B5A1C&0&0008 runs WinOF 5.50.14688.0 (mlx4_bus)"]
        ipoib: []
'''
