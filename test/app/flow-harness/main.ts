import { mount } from 'svelte';
import Harness from './Harness.svelte';

const target = document.getElementById('app');
if (!target) throw new Error('index.html lacks #app');
mount(Harness, { target });
