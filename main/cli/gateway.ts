/** `or-hub gateway ...`: real devices onto the bus, each gateway its own command (docs/gateways.md). */
import { defineGroup } from './command';
import { serialGatewayCommand } from './gateway-serial';

export const gatewayCommand = defineGroup({
  name: 'gateway',
  summary: 'bring real devices onto the bus (serial monitors, ...)',
  commands: [serialGatewayCommand],
});
