class Subset:
    def __init__(self, dataset, indices):
        self.dataset, self.indices = dataset, list(indices)

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, i):
        return self.dataset[self.indices[i]]


class DataLoader:
    def __init__(self, dataset, batch_size=1, shuffle=False, num_workers=0, **kwargs):
        self.dataset, self.batch_size, self.shuffle = dataset, batch_size, shuffle

    def __len__(self):
        return (len(self.dataset) + self.batch_size - 1) // self.batch_size

    def __iter__(self):
        order = list(range(len(self.dataset)))
        if self.shuffle:  # like torch: a new order from the global generator every epoch
            import torch

            torch._rng.shuffle(order)
        for start in range(0, len(order), self.batch_size):
            items = [self.dataset[i] for i in order[start:start + self.batch_size]]
            yield [x for x, _ in items], [y for _, y in items]
