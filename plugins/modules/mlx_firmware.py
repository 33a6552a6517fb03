#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: mlx_firmware
short_description: Back up and crossflash the ConnectX cards of a host in one task
description:
  - The firmware job of one host, run by the action plugin of the same name (this file is its documentation). In
    this order, stopping at the first refusal -
  - The image on the controller must exist and have the sha256 O(image_sha256) (or, for O(restore_image), the one in
    the C(SHA256SUMS) next to it).
  - The image's identity (PSID, version, device ids) from the controller cache O(cache_dir) by sha256; when it is
    not cached, the image is copied into the task's temporary directory on the host and read with
    M(homelab.connectx.mlx_image_info), and the pin O(image_sha256) must match.
  - Each selected card whose flash (as discovered, O(devices)) is already at the target PSID and version costs
    nothing more; a card at the target that still runs another version only needs the reboot.
  - Each other card - M(homelab.connectx.mlx_firmware_burn) in check mode, which reads the card itself and refuses
    what is unsafe (PSID change not allowed or not allowlisted, image for another device or board, a fit it cannot
    establish unless O(allow_unverified_fit) names the card, checksum, tool version); then, before the first burn of
    the host, M(homelab.connectx.pve_reboot_guard) in check mode when O(reboot_check) is set; then
    M(homelab.connectx.mlx_firmware_backup) with its checked copy on the controller in O(backup_dest); then the burn,
    which checks the backup again and reads the flash back.
  - With O(backup_always), the cards that need no burn are backed up too.
  - The image is removed from the host at the end, also after a failure. The host is not rebooted - the result
    says whether it must be (RV(reboot_required)).
  - Check mode burns nothing and writes nothing on the host or the controller; the result shows the plan.
version_added: 0.3.0
extends_documentation_fragment:
  - homelab.connectx.attributes
  - homelab.connectx.attributes.diff
author:
  - homelab.connectx contributors (@homelab-connectx)
options:
  devices:
    description: The host's cards as M(homelab.connectx.mlx_device_info) discovered them (its RV(homelab.connectx.mlx_device_info#module:devices)).
    type: list
    elements: dict
    required: true
  select:
    description: PCI addresses of the cards to act on (with or without the C(0000:) domain); empty means all.
    type: list
    elements: str
    default: []
  image:
    description:
      - Target firmware image on the controller. Empty - nothing is burned (only O(backup_always) backs up).
      - A relative path is taken from the directory of the inventory that defines the host.
    type: str
    default: ""
  image_sha256:
    description: sha256 of O(image) (64 hex digits).
    type: str
    default: ""
  allow_psid_change:
    description: Allow a crossflash (the image's PSID differs from the card's), for allowlisted pairs only.
    type: bool
    default: false
  allowed_psid_changes:
    description: PSID pairs C({from, to}) that may change; empty means the burn module's built-in list.
    type: list
    elements: dict
    default: []
  force:
    description: Burn even the cards already at the target.
    type: bool
    default: false
  allow_unverified_fit:
    description:
      - PCI addresses of cards (with or without the C(0000:) domain) on which the image may be burned although the burn
        module cannot establish that it fits (C(reason=fit_unknown)) - an OEM card or image whose PSID is not in the
        board table and whose part number and PRS name do not tell the port count. Name a card only after checking
        yourself that the image is for its board (same ConnectX generation, same number of ports). A known misfit
        (C(reason=device_mismatch)) is refused whatever this says. Empty - no card.
      - Passed to M(homelab.connectx.mlx_firmware_burn) (its O(homelab.connectx.mlx_firmware_burn#module:allow_unverified_fit)).
        With O(restore_image), the card's own backup (same GUID) needs no entry here.
      - The firmware role's C(connectx_firmware_unverified_fit).
    type: list
    elements: str
    default: []
    version_added: 0.4.0
  host_dir:
    description: Directory on the host; the backup goes to C(HOST_DIR/backup).
    type: str
    default: /var/lib/connectx
  backup_dest:
    description: Directory on the controller for the copy of the backup (see M(homelab.connectx.mlx_firmware_backup)).
    type: str
    required: true
  backup_items:
    description: What to back up (C(image), C(config), C(rom), C(vpd)); empty means all the card has.
    type: list
    elements: str
    default: []
  backup_always:
    description: Also back up the cards that need no burn.
    type: bool
    default: false
  cache_dir:
    description: Controller directory of image identities by sha256; empty means no cache.
    type: str
    default: ""
  reboot_check:
    description:
      - Options of M(homelab.connectx.pve_reboot_guard) (C(guests), C(parallel)) to check, read-only, that the node may
        reboot after the burn; unset - no check (the caller does not reboot).
    type: dict
  preflight:
    description:
      - Only check the settings and the image on the controller - O(image) needs O(image_sha256) (64 hex digits) and
        O(backup_dest), O(force) needs O(image), O(allow_unverified_fit) lists PCI addresses, the image exists and
        has its pin - and nothing else; nothing runs on the host (the roles' preflight, before any change on any host).
    type: bool
    default: false
  tools_installed:
    description:
      - Whether the card tool is installed on the host (the discovery's C(connectx_tools_state.installed)). V(false) -
        only in check mode on a node that has no tool yet - nothing runs; the result says what a run would do.
    type: bool
    default: true
  reboot_pending:
    description:
      - What the host must already reboot for (the host fact C(connectx_reboot_pending)); when the host must reboot
        for the firmware, RV(ansible_facts.connectx_reboot_pending) is this list with V(the new ConnectX firmware) added.
    type: list
    elements: str
    default: []
  restore_image:
    description:
      - A backup image on the controller (C(<psid>_<fw_version>_<guid>.image), as M(homelab.connectx.mlx_firmware_backup)
        names them) to burn back instead of O(image); a relative path is taken from the inventory's directory.
      - Its sha256 is the line of the C(SHA256SUMS) next to it (not listed - refused); the card is O(restore_device) or
        the one card O(select) leaves; the backup's GUID must be the card's unless O(restore_other_card); the one PSID
        change allowed is from the card's current PSID back to the backup's. O(image), O(image_sha256),
        O(allow_psid_change), O(allowed_psid_changes) and O(force) are not used then.
    type: str
    default: ""
  restore_device:
    description: With O(restore_image), the PCI address of the card to restore.
    type: str
    default: ""
  restore_other_card:
    description: With O(restore_image), accept a backup whose GUID is not the card's.
    type: bool
    default: false
  tool:
    description: Tool flavour for the modules.
    type: str
    default: auto
    choices: [auto, mstflint, mft]
attributes:
  action:
    support: full
    description: Runs as an action plugin on the controller, which runs the modules on the host.
  async:
    support: none
    description: Cannot be run asynchronously.
notes:
  - The reboot, and the confirmation that the cards run the new firmware, are the firmware role's.
'''

EXAMPLES = r'''
- name: Discover the cards
  homelab.connectx.mlx_device_info:
  register: found

- name: Crossflash MCX354A-QCBT to FCBT (backups in ./connectx-backups/<host>/)
  homelab.connectx.mlx_firmware:
    devices: "{{ found.devices }}"
    image: firmware/fw-ConnectX3-rel-2_42_5000-MCX354A-FCB_A2-A5-FlexBoot-3.4.752.bin
    image_sha256: "{{ fcbt_sha256 }}"
    allow_psid_change: true
    backup_dest: "connectx-backups/{{ inventory_hostname }}"
  register: job

- name: Reboot when a burn happened
  ansible.builtin.reboot:
  when: job.reboot_required
'''

RETURN = r'''
cards:
  description: The plan and what was done, per selected card.
  returned: always
  type: list
  elements: dict
  sample:
    - {pci_address: "0000:03:00.0", burn: true, burned: true, reboot_required: true,
       from: {psid: MT_1090110018, fw_version: 2.40.5030}, to: {psid: MT_1090120019, fw_version: 2.42.5000}}
burned:
  description: PCI addresses of the cards burned in this run.
  returned: always
  type: list
  elements: str
pending:
  description: PCI addresses of the cards whose flash is at the target but that still run other firmware.
  returned: always
  type: list
  elements: str
reboot_required:
  description: Whether the host must reboot to run the new firmware (a burn, planned in check mode, or pending).
  returned: always
  type: bool
ansible_facts:
  description: The host facts M(homelab.connectx.node_reboot) reads, when the host must reboot for the firmware.
  returned: when RV(reboot_required)
  type: dict
  contains:
    connectx_reboot_pending:
      description: O(reboot_pending) with V(the new ConnectX firmware) added.
      type: list
      elements: str
    connectx_reboot_expect:
      description: The cards burned or pending, with the PSID and version they must carry (and run) after the reboot,
        and the folder of their backup on the controller.
      type: list
      elements: dict
      sample: [{pci_address: "0000:03:00.0", psid: MT_1090120019, fw_version: 2.42.5000, backup: backups/pve1}]
image:
  description: The target image's identity (C(psid), C(fw_version), C(image_type), C(device_ids)); null without O(image).
  returned: always
  type: dict
backups:
  description: Per card backed up - the controller copies and the files written in this run (check mode - what would be written).
  returned: always
  type: dict
modules_run:
  description: The modules this task ran on the host, in order (none when every card is at the target and the image's identity is cached).
  returned: always
  type: list
  elements: str
  sample: [mlx_firmware_burn, pve_reboot_guard, mlx_firmware_backup, mlx_firmware_burn]
reason:
  description: Machine-readable reason of a refusal (that of the module that refused, e.g. V(psid_pair_not_allowlisted)).
  returned: failure
  type: str
failed_result:
  description: The full result of the step that failed (the module that refused, or the controller-side check).
  returned: failure
  type: dict
'''
