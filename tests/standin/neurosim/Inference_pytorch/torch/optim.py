"""Stand-in torch.optim: SGD with momentum and weight decay over the toy's float parameters."""


class SGD:
    def __init__(self, params, lr, momentum=0, weight_decay=0):
        self.params = list(params)
        self.param_groups = [{'lr': lr, 'momentum': momentum, 'weight_decay': weight_decay}]
        self.velocity = [0.0 for _ in self.params]

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    def step(self):
        group = self.param_groups[0]
        for i, p in enumerate(self.params):
            g = p.grad + group['weight_decay'] * p.data
            self.velocity[i] = group['momentum'] * self.velocity[i] + g
            p.data -= group['lr'] * self.velocity[i]

    def state_dict(self):
        return {'param_groups': self.param_groups, 'velocity': self.velocity}

    def load_state_dict(self, state):
        self.param_groups, self.velocity = state['param_groups'], list(state['velocity'])
