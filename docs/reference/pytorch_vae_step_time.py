# Times the official ReinMax VAE training step (categorical 8x16, batch 100), re-typed in PyTorch for a
# side-by-side measurement with `./relax bench`. Not part of the project; needs PyTorch.
# Usage: OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python3 pytorch_vae_step_time.py st|reinmax
import time, math, numpy as np, torch, torch.nn as nn, torch.nn.functional as F, sys
torch.set_num_threads(1); torch.manual_seed(0)
method = sys.argv[1] if len(sys.argv) > 1 else 'st'
C, L, tau = 8, 16, 1.5
class M(nn.Module):
    def __init__(s):
        super().__init__()
        s.e1, s.e2, s.e3 = nn.Linear(784, 512), nn.Linear(512, 256), nn.Linear(256, L * C)
        s.d1, s.d2, s.d3 = nn.Linear(L * C, 256), nn.Linear(256, 512), nn.Linear(512, 784)
    def forward(s, x):
        th = s.e3(F.relu(s.e2(F.relu(s.e1(x))))).view(-1, C)
        p = th.softmax(-1)
        D = torch.zeros_like(p).scatter_(-1, torch.multinomial(p, 1, replacement=True), 1.0)
        if method == 'st':
            q = (th / tau).softmax(-1); z = D - q.detach() + q
        else:
            pi1 = (.5 * ((th / tau).softmax(-1) + D)).detach()
            core = (th + (torch.log(pi1) - th).detach()).softmax(-1)
            z = D + 2 * (core - core.detach()) - .5 * (p - p.detach())
        r = torch.sigmoid(s.d3(F.relu(s.d2(F.relu(s.d1(z.view(x.size(0), -1)))))))
        bce = F.binary_cross_entropy(r, x, reduction='sum') / x.size(0)
        qy = p.view(x.size(0), -1)
        return bce + (qy * torch.log(qy + 1e-10)).sum(-1).mean() + math.log(C) * L
m = M(); opt = torch.optim.RAdam(m.parameters(), lr=1e-3)
x = torch.rand(100, 784)
ts = []
for i in range(250):
    t0 = time.perf_counter(); loss = m(x); opt.zero_grad(); loss.backward(); opt.step(); ts.append(time.perf_counter() - t0)
ts = sorted(ts[50:]); print(method, 'median ms %.1f p90 %.1f' % (1000 * ts[len(ts)//2], 1000 * ts[int(len(ts)*0.9)]))
