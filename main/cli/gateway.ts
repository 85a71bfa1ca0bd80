/** `or-hub gateway ...`: devices that speak a standard protocol, brought onto the bus, each gateway its own command (docs/gateways.md). */
import { defineGroup } from './command';
import { hl7GatewayCommand } from './gateway-hl7';
import { openigtlinkCommand } from './gateway-openigtlink';
import { serialGatewayCommand } from './gateway-serial';

export const gatewayCommand = defineGroup({
  name: 'gateway',
  summary: 'run a protocol gateway (OpenIGTLink, HL7 v2 MLLP, serial monitors) that brings standard devices onto the bus',
  commands: [openigtlinkCommand, hl7GatewayCommand, serialGatewayCommand],
});
