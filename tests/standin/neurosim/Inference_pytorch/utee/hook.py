"""Stand-in utee/hook.py: upstream's two calls around the first batch, writing layer traces where
and how upstream's hooks write them (trace_command.sh and one weight/input file per layer)."""
import os

_model = None


def hardware_evaluation(model, wl_weight, wl_activate, subArray, parallelRead, model_name, mode):
    record = './layer_record_' + str(model_name)
    os.makedirs(record, exist_ok=True)
    with open(record + '/trace_command.sh', 'w') as f:
        f.write('./NeuroSIM/main ./NeuroSIM/NetWork_' + str(model_name) + '.csv ' + str(wl_weight) + ' '
                + str(wl_activate) + ' ' + str(subArray) + ' ' + str(parallelRead) + ' ')
        for layer in range(len(model.layers)):
            name = 'Conv%d_' % layer
            weight_file = record + '/weight' + name + '.csv'
            input_file = record + '/input' + name + '.csv'
            f.write(weight_file + ' ' + input_file + ' ')
            print("quantize layer ", name)
            weights, bits = model.trace(layer, wl_activate)
            with open(weight_file, 'w') as w:
                w.write('\n'.join(','.join('%10.5f' % x for x in row) for row in weights) + '\n')
            with open(input_file, 'w') as w:
                w.write('\n'.join(','.join(str(b) for b in row) for row in bits) + '\n')
    return [record]


def remove_hook_list(hook_handle_list):
    for handle in hook_handle_list:
        assert os.path.isdir(handle)
