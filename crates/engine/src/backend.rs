//! Picking where the model runs: a GPU through wgpu (Vulkan, Metal, DX12 or WebGPU) or the
//! CPU through Burn's flex backend. The same model code runs on both.

use burn::tensor::wgpu::wgpu;
use burn::tensor::{Device, DeviceKind};

use crate::model::{LanesPerRow, LoadOptions, MemoryBudget, DEFAULT_MAX_BINDING_BYTES};

/// Which device to run the model on, as the `--backend` option spells it: `auto`, `gpu` or `cpu`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BackendChoice {
    /// A hardware GPU if there is one, else the CPU.
    #[default]
    Auto,
    /// wgpu on whatever adapter it finds, software rasterizers (llvmpipe, SwiftShader) included.
    Gpu,
    /// Burn's flex backend on the CPU, even when a GPU is present.
    Cpu,
}

impl std::str::FromStr for BackendChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(Self::Auto),
            "gpu" => Ok(Self::Gpu),
            "cpu" => Ok(Self::Cpu),
            other => Err(format!("unknown backend '{other}' (auto, gpu or cpu)")),
        }
    }
}

/// The device [`select_device`] chose, with a description to show the user.
#[derive(Debug, Clone)]
pub struct SelectedDevice {
    /// The Burn device to load the model onto.
    pub device: Device,
    /// Whether the model runs through wgpu (a software rasterizer included) rather than flex on the CPU.
    pub is_gpu: bool,
    /// "wgpu: NVIDIA GeForce RTX 4070 (Vulkan, DiscreteGpu)" or "cpu: flex".
    pub description: String,
    /// The largest buffer one storage binding may hold on this device (Burn asks the adapter
    /// for its maximum limits); weight matrices are split under it.
    pub max_binding_bytes: usize,
    /// A CPU-emulated GPU (lavapipe, SwiftShader): kernels are laid out for SIMD loops.
    pub emulated: bool,
    /// The memory this GPU grants, where the graphics API says (Vulkan natively); a shell may
    /// set it from what it knows instead (the browser's `navigator.deviceMemory`, a setting).
    pub memory_budget: Option<MemoryBudget>,
}

impl SelectedDevice {
    /// How to lay a model out on this device.
    pub fn load_options(&self) -> LoadOptions {
        let lanes_per_row = if self.emulated { LanesPerRow::EMULATED } else { LanesPerRow::GPU };
        LoadOptions {
            max_binding_bytes: self.max_binding_bytes,
            lanes_per_row,
            memory_budget: self.memory_budget,
            ..LoadOptions::default()
        }
    }
}

/// Why [`select_device`] could not provide the device asked for.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// [`BackendChoice::Gpu`] was asked for but wgpu found no adapter.
    #[error("no GPU adapter found (wgpu saw none); use --backend cpu")]
    NoAdapter,
    /// wgpu found an adapter but creating a device on it failed.
    #[error("could not initialise the GPU: {0}")]
    Init(String),
}

/// Chooses and initialises the device. Asynchronous because WebGPU adapters are.
pub async fn select_device(choice: BackendChoice) -> Result<SelectedDevice, BackendError> {
    let cpu = || SelectedDevice {
        device: Device::flex(),
        is_gpu: false,
        description: "cpu: flex (pure Rust)".into(),
        max_binding_bytes: DEFAULT_MAX_BINDING_BYTES,
        emulated: false,
        memory_budget: None,
    };
    if choice == BackendChoice::Cpu {
        return Ok(cpu());
    }
    let adapter = wgpu::Instance::default()
        .request_adapter(&wgpu::RequestAdapterOptions { power_preference: wgpu::PowerPreference::HighPerformance, ..Default::default() })
        .await
        .ok();
    let memory_budget = adapter.as_ref().and_then(vulkan_memory_budget);
    let Some((info, limits)) = adapter.map(|a| (a.get_info(), a.limits())) else {
        return match choice {
            BackendChoice::Auto => Ok(cpu()),
            _ => Err(BackendError::NoAdapter),
        };
    };
    let (kind, hardware) = match info.device_type {
        wgpu::DeviceType::DiscreteGpu => (DeviceKind::DiscreteGpu(0), true),
        wgpu::DeviceType::IntegratedGpu => (DeviceKind::IntegratedGpu(0), true),
        wgpu::DeviceType::VirtualGpu => (DeviceKind::VirtualGpu(0), true),
        wgpu::DeviceType::Cpu => (DeviceKind::Cpu, false),
        wgpu::DeviceType::Other => (DeviceKind::DefaultDevice, true),
    };
    // A software rasterizer is slower than flex on the same cores: only use it when asked.
    if choice == BackendChoice::Auto && !hardware {
        return Ok(cpu());
    }
    let device = match Device::wgpu_options().device_kind(kind.clone()).init_async().await {
        Ok(device) => device,
        // Initialised before in this process (tests in parallel, a second load): share it.
        Err(e) if format!("{e:?}").contains("already initialized") => Device::wgpu(kind),
        Err(e) => return Err(BackendError::Init(format!("{e:?}"))),
    };
    let max_binding_bytes = limits.max_storage_buffer_binding_size.min(limits.max_buffer_size);
    Ok(SelectedDevice {
        device,
        is_gpu: true,
        description: format!("wgpu: {} ({:?}, {:?})", info.name, info.backend, info.device_type),
        max_binding_bytes: usize::try_from(max_binding_bytes).unwrap_or(usize::MAX),
        emulated: !hardware,
        memory_budget,
    })
}

/// What a Vulkan adapter's memory heaps hold: a discrete GPU's largest device-local heap (its
/// VRAM); for an integrated GPU, which shares system memory, every heap it can use, since a
/// small device-local carve-out is no limit there. Where the driver has `VK_EXT_memory_budget`,
/// its current budget per heap, which leaves out what other programs hold. `None` on other APIs.
#[cfg(not(target_arch = "wasm32"))]
fn vulkan_memory_budget(adapter: &wgpu::Adapter) -> Option<MemoryBudget> {
    use ash::vk;
    // SAFETY: the raw handles are only read from while `adapter` (which owns them) is alive.
    let hal = unsafe { adapter.as_hal::<wgpu::hal::api::Vulkan>() }?;
    let instance = hal.shared_instance().raw_instance();
    let physical = hal.raw_physical_device();
    // SAFETY: `physical` belongs to `instance`; the extension list is only read.
    let has_budget = unsafe { instance.enumerate_device_extension_properties(physical) }
        .map(|exts| exts.iter().any(|e| e.extension_name_as_c_str() == Ok(ash::ext::memory_budget::NAME)))
        .unwrap_or(false);
    let mut budget = vk::PhysicalDeviceMemoryBudgetPropertiesEXT::default();
    let mut props = vk::PhysicalDeviceMemoryProperties2::default();
    if has_budget {
        props = props.push_next(&mut budget);
    }
    // SAFETY: Vulkan 1.1 core (wgpu requires it); `props` chains only the budget struct.
    unsafe { instance.get_physical_device_memory_properties2(physical, &mut props) };
    let memory = props.memory_properties;
    let count = (memory.memory_heap_count as usize).min(vk::MAX_MEMORY_HEAPS);
    let usable = |i: usize| {
        let size = memory.memory_heaps[i].size;
        if has_budget && budget.heap_budget[i] > 0 {
            budget.heap_budget[i].min(size)
        } else {
            size
        }
    };
    let device_local = |i: &usize| memory.memory_heaps[*i].flags.contains(vk::MemoryHeapFlags::DEVICE_LOCAL);
    let bytes = if adapter.get_info().device_type == wgpu::DeviceType::IntegratedGpu {
        (0..count).map(usable).sum()
    } else {
        (0..count).filter(device_local).map(usable).max()?
    };
    let source = if has_budget { "the GPU's memory budget (Vulkan)" } else { "the GPU's memory heaps (Vulkan)" };
    Some(MemoryBudget { bytes, source })
}

#[cfg(target_arch = "wasm32")]
fn vulkan_memory_budget(_: &wgpu::Adapter) -> Option<MemoryBudget> {
    None
}
