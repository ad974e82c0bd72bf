// Mounts the live-view components with synthetic data (see Demo.svelte) for screenshots and
// browser checks of the interactions (test/plots/demo/check-in-browser.ts).
import { mount } from 'svelte';
import Demo from './Demo.svelte';

export default mount(Demo, { target: document.getElementById('app')! });
